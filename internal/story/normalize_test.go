package story

import (
	"slices"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hà Giang đón khách", "hà giang đón khách"},
		{"  HÀ   GIANG:  đón—khách!!! ", "hà giang đón khách"},
		{"Ha\u0300 Giang", "hà giang"}, // decomposed
		{"Thuỷ điện Hoà Bình", "thủy điện hòa bình"},
		{"hoàn thành, khuyến nông", "hoàn thành khuyến nông"}, // tone inside a syllable stays
		{"Hà Giảng", "hà giảng"},
		{"13/12/2026", "13 12 2026"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitTitle(t *testing.T) {
	const core = "đón 50 nghìn lượt khách dịp lễ hội"
	tests := []struct {
		name, in, core, prefix string
	}{
		{"plain", "Đón 50 nghìn lượt khách dịp lễ hội", core, ""},
		{"place prefix", "Hà Giang: Đón 50 nghìn lượt khách dịp lễ hội", core, "Hà Giang"},
		{"outlet suffix", "Đón 50 nghìn lượt khách dịp lễ hội - Báo Hà Giang", core, ""},
		{"bar suffix", "Đón 50 nghìn lượt khách dịp lễ hội | VOV", core, ""},
		{"en dash suffix", "Đón 50 nghìn lượt khách dịp lễ hội – VTV", core, ""},
		{"agency tag", "Đón 50 nghìn lượt khách dịp lễ hội (TTXVN)", core, ""},
		{"media tag", "[Video] Đón 50 nghìn lượt khách dịp lễ hội", core, ""},
		{"stacked", "[Video] Hà Giang: Đón 50 nghìn lượt khách dịp lễ hội (TTXVN)", core, "Hà Giang"},
		{"time is not a label", "15:30 Đón khách dịp lễ hội", "15 30 đón khách dịp lễ hội", ""},
		{"long label kept", "Một tỉnh vùng cao biên giới phía bắc tổ quốc: đón khách", "một tỉnh vùng cao biên giới phía bắc tổ quốc đón khách", ""},
		{"dash inside a long tail kept", "Hà Giang - mùa hoa tam giác mạch nở rộ khắp cao nguyên", "hà giang mùa hoa tam giác mạch nở rộ khắp cao nguyên", ""},
		{"short title keeps its dash", "Đồng Đăng - Trà Lĩnh", "đồng đăng trà lĩnh", ""},
		{"abbreviations spelled out", "TP.HCM: UBND thành phố khởi công metro số 2", "ủy ban nhân dân thành phố khởi công metro số 2", "TP.HCM"},
		{"city abbreviated", "TP HCM khởi công tuyến metro số 2 Bến Thành", "thành phố hồ chí minh khởi công tuyến metro số 2 bến thành", ""},
		{"athletes abbreviated", "Hơn 5 nghìn VĐV tham gia giải chạy", "hơn 5 nghìn vận động viên tham gia giải chạy", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SplitTitle(tt.in)
			if got.Core != tt.core || got.Prefix != tt.prefix {
				t.Errorf("SplitTitle(%q) = %q, %q; want %q, %q", tt.in, got.Core, got.Prefix, tt.core, tt.prefix)
			}
		})
	}
}

func TestNumbers(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		repeats []string // with repeats, when not want
	}{
		{"Bản tin ngày 13/12/2026", []string{"13", "12", "2026"}, nil},
		{"Quốc lộ 2 làm 2 người tử vong", []string{"2"}, []string{"2", "2"}},
		{"8 nghìn lao động, 8 nghìn việc làm và 8 xã", []string{"8000"}, []string{"8", "8000", "8000"}},
		{"ngày 13 tháng 12", []string{"13", "12"}, nil},
		{"on 13 December", []string{"12", "13"}, nil},
		{"may be late", nil, nil},
		{"1.000 tấn và 1,000 tonnes", []string{"1000"}, []string{"1000", "1000"}},
		{"8 nghìn lao động", []string{"8000"}, nil},
		{"2,5 tỷ đồng", []string{"2500000000"}, nil},
		{"86,5 triệu đồng và 86.500.000 đồng", []string{"86500000"}, []string{"86500000", "86500000"}},
		{"2,5 và 3,25", []string{"2", "5", "3", "25"}, nil},
		{"Đại hội lần thứ XVIII", []string{"18"}, nil},
		{"mười tháng", []string{"10"}, nil},
		{"số 045", []string{"45"}, nil},
		{"Hai người tử vong, ba người bị thương", []string{"2", "3"}, nil},
		{"mười lăm hộ và hai mươi mốt xã", []string{"15", "21"}, nil},
		{"Sau mười năm, năm 2026", []string{"10", "2026"}, nil},
		{"hai triệu lượt khách", []string{"2000000"}, nil},
		{"năm tháng qua, Năm Du lịch quốc gia", nil, nil},
		{"cả hai bên, ba mẹ, Ba Bể, một số, một mình", nil, nil},
		{"một người tử vong, một nghìn khách, một triệu đồng", []string{"1", "1000", "1000000"}, nil},
		{"Giữ rừng - Kỳ I: Những người gác rừng; Phần V", []string{"1", "5"}, nil},
		{"I am, X and V", nil, nil},
		{"năm người, năm ngày", []string{"5"}, []string{"5", "5"}},
		{"Two killed, twenty-five hurt", []string{"2", "25"}, nil},
		{"one of the", nil, nil},
		{"hai, người", nil, nil},
	}
	for _, tt := range tests {
		for _, repeats := range []bool{false, true} {
			got := numbers(tt.in, tokenize(tt.in), repeats)
			slices.Sort(got)
			want := tt.want
			if repeats && tt.repeats != nil {
				want = tt.repeats
			}
			want = slices.Clone(want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("numbers(%q, repeats %v) = %q, want %q", tt.in, repeats, got, want)
			}
		}
	}
}

func TestProvinceNames(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Hà Giang đón khách", []string{"Hà Giang"}},
		{"Ha Giang welcomes visitors", []string{"Hà Giang"}},
		{"HÀ GIANG ĐÓN KHÁCH", []string{"Hà Giang"}},
		{"vì hòa bình thế giới", nil},
		{"Thủy điện Hoà Bình", []string{"Hòa Bình"}},
		{"Thừa Thiên Huế và Huế", []string{"Thừa Thiên Huế"}},
		{"Hà Nam và Hà Giang", []string{"Hà Nam", "Hà Giang"}},
		{"Hà Giảng", nil},
	}
	for _, tt := range tests {
		if got := provinceNames(tokenize(tt.in)); !slices.Equal(got, tt.want) {
			t.Errorf("provinceNames(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestConfirmGuards pins each guard on a pair that only it separates.
func TestConfirmGuards(t *testing.T) {
	const text = "Trong ba ngày diễn ra lễ hội hoa tam giác mạch, các homestay ở vùng cao kín phòng từ cuối tuần, doanh thu từ du lịch tăng mạnh so với năm trước."
	at := time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)
	doc := func(title, text string, h int, lang string) *Doc {
		return NewDoc(Input{Title: title, Text: text, Published: at.Add(time.Duration(h) * time.Hour), Language: lang})
	}
	tests := []struct {
		name  string
		a, b  *Doc
		same  bool
		guard string
	}{
		{"copy with prefix", doc("Lễ hội hoa tam giác mạch kín phòng", text, 0, "vi"), doc("Hà Giang: Lễ hội hoa tam giác mạch kín phòng", text, 2, "vi"), true, ""},
		{"too far apart", doc("Lễ hội hoa tam giác mạch kín phòng", text, 0, "vi"), doc("Lễ hội hoa tam giác mạch kín phòng", text, 80, "vi"), false, "time"},
		{"languages differ", doc("Lễ hội hoa tam giác mạch kín phòng", text, 0, "vi"), doc("Lễ hội hoa tam giác mạch kín phòng", text, 1, "en"), false, "language"},
		{"dates differ", doc("Bản tin lễ hội ngày 13/12", text, 0, ""), doc("Bản tin lễ hội ngày 14/12", text, 1, ""), false, "numbers"},
		{"year only in one, other year in text", doc("Tổng kết lễ hội năm 2022", text, 0, ""), doc("Tổng kết lễ hội", text+" Năm 2021.", 1, ""), false, "numbers"},
		{"opening and closing", doc("Khai mạc lễ hội hoa tam giác mạch", text, 0, ""), doc("Bế mạc lễ hội hoa tam giác mạch", text, 1, ""), false, "opposites"},
		{"won and lost", doc("Hà Giang thắng Lào Cai ở lượt trận cuối giải bóng đá", text, 0, ""), doc("Hà Giang thua Lào Cai ở lượt trận cuối giải bóng đá", text, 1, ""), false, "opposites"},
		{"one match from either side", doc("Hà Giang thắng Tuyên Quang 2-1 ở lượt trận cuối giải bóng đá", text, 0, ""), doc("Tuyên Quang thua Hà Giang 1-2 ở lượt trận cuối giải bóng đá", text, 1, ""), true, ""},
		{"provinces differ", doc("Hà Giang: Lễ hội hoa kín phòng", text, 0, ""), doc("Hà Nam: Lễ hội hoa kín phòng", text, 1, ""), false, "provinces"},
		{"districts differ", doc("Chợ phiên Đồng Văn hút khách", text, 0, ""), doc("Chợ phiên Mèo Vạc hút khách", text, 1, ""), false, "names"},
		{"unrelated", doc("Lễ hội hoa tam giác mạch kín phòng", text, 0, ""), doc("Giá vàng hôm nay tăng nhẹ", "Giá vàng miếng trong nước tăng nhẹ ở cả hai chiều mua vào và bán ra, giá thế giới ổn định.", 1, ""), false, "similarity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Confirm(tt.a, tt.b, DefaultWindow)
			if v.Same != tt.same {
				t.Fatalf("Confirm = %v, want same=%v", v, tt.same)
			}
			if tt.guard != "" {
				if last := v.Checks[len(v.Checks)-1]; last.OK || last.Name != tt.guard {
					t.Errorf("stopped at %+v, want guard %s: %v", last, tt.guard, v)
				}
			}
			// Confirm is symmetric: the order items arrive in does not matter.
			if w := Confirm(tt.b, tt.a, DefaultWindow); w.Same != v.Same {
				t.Errorf("not symmetric: %v / %v", v, w)
			}
		})
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Hà Giang: Đón khách (TTXVN)", "Thuỷ điện Hoà Bình", "Ha\u0300 Giang", "oà\u0301", "Ǆ ß ﬁ İ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if again := Normalize(n); again != n {
			t.Errorf("Normalize not idempotent: %q → %q → %q", s, n, again)
		}
		if !norm.NFC.IsNormalString(n) {
			t.Errorf("Normalize(%q) = %q, not NFC", s, n)
		}
	})
}

func FuzzFingerprint(f *testing.F) {
	f.Add("Hà Giang: Đón 50 nghìn khách (TTXVN)", "Trong ba ngày, 1.000 khách XVIII 13/12 Hà Nam", int64(0))
	f.Add("[", "]", int64(-1))
	f.Add("Hà Giang: a b c d - e | f", "", int64(1<<62))
	f.Fuzz(func(t *testing.T, title, text string, unix int64) {
		a := NewDoc(Input{Title: title, Text: text, Published: time.Unix(unix, 0)})
		b := NewDoc(Input{Title: text, Text: title, Published: time.Unix(unix/2, 0)})
		_ = a.Bands()
		v, w := Confirm(a, b, DefaultWindow), Confirm(b, a, DefaultWindow)
		if v.Same != w.Same {
			t.Errorf("not symmetric: %v / %v", v, w)
		}
		// Whatever its text, an item with a headline is the same story as itself.
		if self := Confirm(a, a, DefaultWindow); a.Title != "" && !self.Same {
			t.Errorf("an item is not itself: %v", self)
		}
	})
}

func TestLeadDate(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Ngày 20/12, các tỉnh miền núi phía Bắc có mây", "20/12"},
		{"Sáng 3/11, giá chè búp tươi tăng nhẹ", "3/11"},
		{"SÁNG 03/11/2026, giá chè tăng", "3/11"},
		{"Tối qua (20/12), đám cháy", "20/12"},
		{"Rạng sáng 5-1, lũ quét", "5/1"},
		{"Ngày 20 tháng 12 năm 2026, tỉnh tổ chức", "20/12"},
		{"HÀ GIANG - Chiều 14/12, Ban tổ chức", "14/12"},
		{"(TTXVN) – Ngày 14/12, Quốc hội", "14/12"},
		{"On December 20, the provincial people's committee", "20/12"},
		{"HANOI – Dec. 20, officials", "20/12"},
		{"Các tỉnh miền núi phía Bắc ngày 20/12 có mây", ""},
		{"Từ ngày 1/1/2027, tỉnh áp dụng", ""},
		{"Ngày 40/12, lỗi", ""},
		{"Năm 2026, tỉnh", ""},
		{"", ""},
	} {
		if got := leadDate(tt.in); got != tt.want {
			t.Errorf("leadDate(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
