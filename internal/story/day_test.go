package story

import (
	"testing"
	"time"
)

// TestSameDay: items that date themselves by the day they are published
// ("hôm nay", "sáng nay", "đêm nay", "today") are one story only on one day.
func TestSameDay(t *testing.T) {
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, ict)
	const gold = "giá vàng miếng SJC được các doanh nghiệp niêm yết không đổi so với phiên trước. Giá vàng nhẫn tròn trơn tăng nhẹ. Các chuyên gia nhận định giá vàng trong nước sẽ tiếp tục biến động theo xu hướng thế giới."
	const gold2 = "giá vàng miếng SJC được các doanh nghiệp niêm yết tăng 300.000 đồng so với phiên trước. Giá vàng nhẫn tròn trơn giảm nhẹ. Các chuyên gia nhận định giá vàng trong nước sẽ tiếp tục biến động theo xu hướng thế giới."
	const cold = "thị xã Sa Pa đón đợt không khí lạnh đầu mùa, nhiệt độ thấp nhất xuống 6 độ C. Trên đỉnh Fansipan xuất hiện băng giá mỏng. Chính quyền khuyến cáo người dân che chắn chuồng trại cho gia súc."
	for _, tt := range []struct {
		name         string
		a, b         Input
		same         bool
		guard, about string
	}{
		// A daily bulletin: the same template, the next day's figures.
		{"label says today", Input{Title: "Giá vàng hôm nay: SJC đứng yên, vàng nhẫn nhích nhẹ", Text: "Theo ghi nhận, " + gold},
			Input{Title: "Giá vàng hôm nay: SJC đứng yên, vàng nhẫn nhích nhẹ", Text: "Theo ghi nhận, " + gold2, Published: at.Add(24 * time.Hour)}, false, "day", "W1"},
		{"lead says this afternoon", Input{Title: "Ban Thường vụ cho ý kiến vào một số đề án quan trọng", Text: "Chiều nay, " + gold},
			Input{Title: "Ban Thường vụ cho ý kiến vào một số đề án quan trọng", Text: "Chiều nay, " + gold2, Published: at.Add(72 * time.Hour)}, false, "day", "W5"},
		// A copy carried the next morning keeps the wire's "tối nay".
		{"a copy the next day", Input{Title: "Hà Nội bắn pháo hoa mừng ngày thành lập", Text: "Tối nay, " + gold},
			Input{Title: "Hà Nội bắn pháo hoa mừng ngày thành lập", Text: "Tối nay, " + gold, Published: at.Add(16 * time.Hour)}, true, "", ""},
		{"headlines alone", Input{Title: "Giá vàng hôm nay tiếp tục đi ngang"},
			Input{Title: "Giá vàng hôm nay tiếp tục đi ngang", Published: at.Add(24 * time.Hour)}, false, "day", "W9"},
		{"English tonight", Input{Title: "Cold snap grips the north tonight", Text: "Temperatures in the northern mountains will fall below 8 degrees tonight and tomorrow, the weather centre said, and frost may form on the highest peaks."},
			Input{Title: "Cold snap grips the north tonight", Text: "Temperatures in the northern mountains will fall below 5 degrees tonight and tomorrow, the weather centre said, and ice may form on roads over the passes.", Published: at.Add(24 * time.Hour)}, false, "day", ""},
		{"same day", Input{Title: "Giá vàng hôm nay: SJC đứng yên", Text: "Sáng nay, " + gold},
			Input{Title: "Giá vàng hôm nay: SJC đứng yên", Text: "Sáng nay, " + gold, Published: at.Add(5 * time.Hour)}, true, "", ""},
		// The next morning's copy dates the story by its lead.
		{"next morning dated by its lead", Input{Title: "Sa Pa đón đợt rét đầu mùa", Text: "Sáng nay, " + cold},
			Input{Title: "Sa Pa đón đợt rét đầu mùa", Text: "Sáng 27/11, " + cold, Published: at.Add(22 * time.Hour)}, true, "", ""},
		{"the day after, dated otherwise", Input{Title: "Sa Pa đón đợt rét đầu mùa", Text: "Sáng nay, " + cold},
			Input{Title: "Sa Pa đón đợt rét đầu mùa", Text: "Sáng 28/11, " + cold, Published: at.Add(22 * time.Hour)}, false, "day", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.a.Published.IsZero() {
				tt.a.Published = at
			}
			a, b := NewDoc(tt.a), NewDoc(tt.b)
			v := Confirm(a, b, DefaultWindow)
			if v.Same != tt.same {
				t.Fatalf("%v, want same=%v", v, tt.same)
			}
			if tt.guard != "" {
				if last := v.Checks[len(v.Checks)-1]; last.OK || last.Name != tt.guard {
					t.Errorf("stopped at %+v, want guard %s", last, tt.guard)
				}
			}
			if w := Confirm(b, a, DefaultWindow); w.Same != v.Same {
				t.Errorf("not symmetric: %v / %v", v, w)
			}
		})
	}
}

// TestLeadPlaces: leads that name provinces must name one in common; a
// province further on in one text only does not count.
func TestLeadPlaces(t *testing.T) {
	at := time.Date(2026, 11, 28, 21, 0, 0, 0, ict)
	festival := func(province string) string {
		return "Tối 28/11, tại quảng trường trung tâm thành phố, Ủy ban nhân dân tỉnh " + province + " tổ chức khai mạc Ngày hội văn hóa các dân tộc vùng cao năm 2026. Ngày hội diễn ra trong ba ngày với nhiều hoạt động như thi trình diễn trang phục truyền thống, thi ẩm thực, chợ phiên vùng cao."
	}
	const title = "Khai mạc Ngày hội văn hóa các dân tộc vùng cao năm 2026"
	a := NewDoc(Input{Title: title, Text: festival("Lào Cai"), Published: at})
	b := NewDoc(Input{Title: title, Text: festival("Yên Bái"), Published: at.Add(30 * time.Minute)})
	if v := Confirm(a, b, DefaultWindow); v.Same || v.Checks[len(v.Checks)-1].Name != "provinces" {
		t.Errorf("two provinces' festivals: %v", v)
	}
	c := NewDoc(Input{Title: title, Text: festival("Lào Cai") + " Nhiều du khách từ Hà Nội, Yên Bái đã đặt phòng.", Published: at.Add(time.Hour)})
	if v := Confirm(a, c, DefaultWindow); !v.Same {
		t.Errorf("one festival, other provinces further on: %v", v)
	}
}
