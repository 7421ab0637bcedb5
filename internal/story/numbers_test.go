package story

import (
	"strings"
	"testing"
	"time"
)

// TestTitleNumbers pins what the numbers guard lets pass and what it says.
func TestTitleNumbers(t *testing.T) {
	at := time.Date(2026, 11, 27, 8, 0, 0, 0, ict)
	doc := func(title, text string, h int) *Doc {
		return NewDoc(Input{Title: title, Text: text, Published: at.Add(time.Duration(h) * time.Hour)})
	}
	const fuel = "Từ 15 giờ chiều, giá xăng E5 RON 92 giảm 310 đồng mỗi lít, còn 19.860 đồng. Liên Bộ Công Thương và Tài chính không trích lập, không chi sử dụng Quỹ bình ổn giá xăng dầu trong kỳ điều hành này."
	const crash = "Tại km 270 quốc lộ 2 đoạn qua xã Đạo Đức, xe tải va chạm với xe máy đi cùng chiều. Công an huyện đã có mặt, phân luồng giao thông và điều tra nguyên nhân vụ tai nạn."
	tests := []struct {
		name   string
		a, b   *Doc
		ok     bool
		detail string
	}{
		// The day stamped on one headline is the day both were published.
		{"date of both days", doc("Giá xăng dầu đồng loạt giảm", fuel, 0), doc("Giá xăng dầu 27/11 đồng loạt giảm", fuel, 2), true,
			"27 11 only in one headline: the day both were published"},
		// It is not when the other was published the day before.
		{"date of one day only", doc("Giá xăng dầu đồng loạt giảm", fuel, 0), doc("Giá xăng dầu 28/11 đồng loạt giảm", fuel, 24), false,
			"28 not in the other item at all"},
		{"một against 2", doc("Xe tải va chạm xe máy trên quốc lộ 2, một người tử vong", crash, 0), doc("Xe tải va chạm xe máy trên quốc lộ 2, 2 người tử vong", crash, 1), false,
			"headlines disagree: 1 / 2"},
		{"one without a number", doc("Xe tải va chạm xe máy trên quốc lộ 2, một người tử vong", crash, 0), doc("Xe tải va chạm xe máy trên quốc lộ 2, người đi xe máy tử vong", crash, 1), true,
			"agree: 2; 1 only in one headline: one is often told without a number"},
		{"found in the text", doc("Xe tải va chạm xe máy trên quốc lộ 2", crash, 0), doc("Xe tải va chạm xe máy", crash, 1), true,
			"2 only in one headline: found in the other's text"},
		{"series parts", doc("Giữ rừng đầu nguồn - Kỳ I: Những người gác rừng", "", 0), doc("Giữ rừng đầu nguồn - Kỳ II: Những người gác rừng", "", 24), false,
			"headlines disagree: 1 / 2"},
		// Two headlines alone: a number only one has is let pass (one
		// outlet adds "…, 2 người bị thương"); numbers each has apart
		// disagree ("series parts", above).
		{"headlines alone", doc("Giữ rừng đầu nguồn sông Chảy: Những người gác rừng", "", 0), doc("Giữ rừng đầu nguồn sông Chảy kỳ 2: Những người gác rừng", "", 24), true,
			"2 only in one headline: the other item has no text to check"},
		{"no text on one side", doc("Giữ rừng đầu nguồn sông Chảy kỳ 3: Những người gác rừng", crash, 0), doc("Giữ rừng đầu nguồn sông Chảy: Những người gác rừng", "", 24), true,
			"3 only in one headline: the other item has no text to check"},
		{"decimal millions", doc("Giá vàng miếng SJC lên 86,5 triệu đồng mỗi lượng", "", 0), doc("Giá vàng miếng SJC lên 86.500.000 đồng mỗi lượng", "", 1), true,
			"agree: 86500000"},
		{"numbers listed with spaces", doc("Giá vàng 86,5 triệu", "", 0), doc("Giá vàng 2,5 triệu", "", 1), false,
			"headlines disagree: 86500000 / 2500000"},
		{"một nghìn", doc("Hơn 1.000 thanh niên hiến máu tình nguyện", fuel, 0), doc("Hơn một nghìn thanh niên hiến máu tình nguyện", fuel, 1), true,
			"agree: 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, ab := range [][2]*Doc{{tt.a, tt.b}, {tt.b, tt.a}} {
				c := titleNumbers(ab[0], ab[1])
				if c.OK != tt.ok {
					t.Errorf("numbers %v (%s), want %v", c.OK, c.Detail, tt.ok)
				}
				if ab[0] == tt.a && c.Detail != tt.detail {
					t.Errorf("detail %q, want %q", c.Detail, tt.detail)
				}
				if strings.Contains(c.Detail, ",") {
					t.Errorf("detail %q lists numbers with a comma", c.Detail)
				}
			}
		})
	}
}
