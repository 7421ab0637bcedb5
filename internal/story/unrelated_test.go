package story

import (
	"strings"
	"testing"
	"time"
)

// TestUnrelated: two items an outlet gave one guid are two stories when
// their texts share nothing, whatever their headlines, or, without two
// texts, when their headlines share nothing; a correction, a story listed
// twice with a label, or an edited headline over the same text are one.
func TestUnrelated(t *testing.T) {
	at := time.Date(2026, 11, 29, 1, 40, 0, 0, time.UTC)
	doc := func(title, text string) *Doc {
		return NewDoc(Input{Title: title, Text: text, Published: at, Language: "vi"})
	}
	const (
		teaTitle   = "Khánh thành nhà máy chế biến chè xuất khẩu công suất 20 tấn mỗi ngày"
		teaText    = "Nhà máy chế biến chè của hợp tác xã Tân Thành tạo việc làm cho 150 lao động địa phương, thu mua chè búp tươi của hơn 400 hộ trồng chè trong vùng với giá ổn định."
		stormTitle = "Cảnh báo lốc sét và mưa đá tại các huyện phía bắc tỉnh chiều tối nay"
		stormText  = "Trung tâm khí tượng thủy văn tỉnh khuyến cáo người dân không trú dưới gốc cây lớn, chằng chống nhà cửa và theo dõi bản tin thời tiết trong những giờ tới."
		floodTitle = "Lũ quét cuốn trôi ba ngôi nhà ở bản Khuổi My"
		floodText  = "Chính quyền xã đã di dời các hộ dân đến nơi an toàn trong đêm, lực lượng công an và quân sự giúp người dân dọn dẹp bùn đất, dựng lại lán tạm cho các gia đình."
	)
	tests := []struct {
		name string
		a, b *Doc
		want bool
	}{
		{"another story under the guid", doc(teaTitle, teaText), doc(stormTitle, stormText), true},
		{"headlines alone, nothing shared", doc(teaTitle, ""), doc(stormTitle, ""), true},
		{"the toll corrected", doc(floodTitle, floodText), doc("Lũ quét cuốn trôi bốn ngôi nhà ở bản Khuổi My", floodText), false},
		{"a headline rewritten over the same text", doc(floodTitle, floodText), doc("Xã vùng cao di dời dân trong đêm sau trận lũ", floodText), false},
		{"listed twice, labelled", doc("Điện Biên mở lễ hội hoa ban", ""), doc("Lễ hội hoa ban, bản sửa 2", ""), false},
		{"a headline cut short", doc(floodTitle, ""), doc("Cập nhật: "+floodTitle+" thuộc xã Thượng Lâm, huyện Lâm Bình, sau trận mưa kéo dài cả đêm", ""), false},
		{"no headline, no text", doc("", ""), doc(stormTitle, ""), false},
		{"no headline, another text", doc("", teaText), doc(stormTitle, stormText), true},
		{"no headlines, other texts", doc("", teaText), doc("", floodText), true},
		{"no headlines, the text edited", doc("", floodText), doc("", floodText+" Hai hộ bị mất toàn bộ tài sản."), false},
		{"alike headlines, other texts", doc("Giá cà phê hôm nay 29/11: tăng mạnh", "Giá cà phê nhân xô tại các tỉnh Tây Nguyên sáng nay tăng 1.500 đồng mỗi kilôgam, lên mức cao nhất trong tháng do nguồn cung khan hiếm."),
			doc("Giá tiêu hôm nay 29/11: giảm nhẹ", "Thương lái thu mua hồ tiêu ở Đắk Nông và Bình Phước hạ giá 500 đồng mỗi kilôgam, người trồng tiêu chờ giá lên mới bán ra."), true},
		{"alike headlines, one text", doc("Giá cà phê hôm nay 29/11: tăng mạnh", "Giá cà phê nhân xô tại các tỉnh Tây Nguyên sáng nay tăng 1.500 đồng mỗi kilôgam, lên mức cao nhất trong tháng do nguồn cung khan hiếm."),
			doc("Giá tiêu hôm nay 29/11: giảm nhẹ", ""), false},
	}
	for _, tt := range tests {
		if got := Unrelated(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: Unrelated = %v, want %v", tt.name, got, tt.want)
		}
		if got := Unrelated(tt.b, tt.a); got != tt.want {
			t.Errorf("%s, the other way: Unrelated = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestTimeApartWorded: the time check says how far apart two items were
// published to the second under a minute, not "0s" for twenty seconds.
func TestTimeApartWorded(t *testing.T) {
	at := time.Date(2026, 11, 29, 9, 45, 45, 0, time.UTC)
	for gap, want := range map[time.Duration]string{
		20 * time.Second:                "20s apart",
		0:                               "0s apart",
		75*time.Minute + 20*time.Second: "1h15m0s apart",
		2*time.Minute + 29*time.Second:  "2m0s apart",
	} {
		c := closeInTime(&Doc{Published: at}, &Doc{Published: at.Add(gap)}, 72*time.Hour)
		if !strings.HasPrefix(c.Detail, want) {
			t.Errorf("%s: %q, want %q", gap, c.Detail, want)
		}
	}
}
