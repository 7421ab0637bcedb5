package story

import (
	"slices"
	"testing"
	"time"
)

// TestAffixNames: the names of a label cut before a colon and of a tail cut
// after a dash stay among the headline's names; an outlet's name does not.
func TestAffixNames(t *testing.T) {
	for _, tt := range []struct {
		title string
		want  []string
	}{
		{"Bộ trưởng Lê Văn Hùng: Không để thiếu thuốc dịp cuối năm", []string{"lê văn hùng"}},
		{"Hà Giang: Đón 50 nghìn lượt khách dịp lễ hội", []string{"hà giang"}},
		{"[Video] Nóng: Đón 50 nghìn lượt khách dịp lễ hội", nil},
		{"Thông xe kỹ thuật cao tốc Bắc Quang - Xín Mần", []string{"bắc quang", "xín mần"}},
		{"Đón 50 nghìn lượt khách dịp lễ hội - Báo Hà Giang", nil},
		{"Đón 50 nghìn lượt khách dịp lễ hội | VOV", nil},
		{"Đón 50 nghìn lượt khách dịp lễ hội - Tuổi Trẻ", nil},
		{"TP.HCM khởi công tuyến metro số 2 Bến Thành - Tham Lương", []string{"bến thành", "tham lương"}},
		{"Hà Giang thông xe cầu Nậm Ngặt", []string{"hà giang", "nậm ngặt"}},
		{"Thời tiết đêm nay: Bắc Bộ rét, vùng núi dưới 8 độ C", []string{"bắc bộ"}},
		{"Thành phố thí điểm vùng phát thải thấp từ July 2027", nil},
	} {
		d := NewDoc(Input{Title: tt.title})
		if !slices.Equal(d.TitleNames, tt.want) {
			t.Errorf("%q: names %q, want %q", tt.title, d.TitleNames, tt.want)
		}
	}
}

// TestNamesSeparate: two items whose headlines differ only in a name cut off
// as an affix, or in a city English outlets write as one word, are two
// stories.
func TestNamesSeparate(t *testing.T) {
	at := time.Date(2026, 11, 28, 8, 0, 0, 0, ict)
	const quote = "Phát biểu tại hội nghị với các địa phương, lãnh đạo Bộ yêu cầu các bệnh viện chủ động lập kế hoạch mua sắm, không để thiếu thuốc, vật tư y tế dịp cuối năm. Các sở y tế rà soát nhu cầu, báo cáo trước ngày 15/12."
	const lez = "The city will pilot a low-emission zone in its central districts from July 2027, banning motorbikes that fail emission standards during peak hours. Violators will face fines of up to 2 million VND."
	for _, tt := range []struct {
		name, a, b, textA, textB, guard string
	}{
		{"speakers", "Bộ trưởng Lê Văn Hùng: Không để thiếu thuốc, vật tư y tế dịp cuối năm", "Thứ trưởng Đỗ Thị Lan: Không để thiếu thuốc, vật tư y tế dịp cuối năm",
			quote + " Bộ trưởng Lê Văn Hùng nói.", quote + " Thứ trưởng Đỗ Thị Lan nói.", "names"},
		{"routes", "Thông xe kỹ thuật cao tốc Bắc Quang - Xín Mần", "Thông xe kỹ thuật cao tốc Bắc Quang - Hoàng Su Phì", "", "", "names"},
		{"cities", "Hanoi to pilot low-emission zone in city centre from July 2027", "Danang to pilot low-emission zone in city centre from July 2027", lez, lez, "provinces"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := NewDoc(Input{Title: tt.a, Text: tt.textA, Published: at})
			b := NewDoc(Input{Title: tt.b, Text: tt.textB, Published: at.Add(3 * time.Hour)})
			v := Confirm(a, b, DefaultWindow)
			if last := v.Checks[len(v.Checks)-1]; v.Same || last.Name != tt.guard {
				t.Errorf("%v, want guard %s", v, tt.guard)
			}
		})
	}
}
