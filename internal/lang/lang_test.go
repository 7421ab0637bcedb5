package lang

import "testing"

func TestDetect(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"vietnamese headline", "Hà Giang đón 50 nghìn lượt khách dịp lễ hội hoa tam giác mạch", "vi"},
		{"vietnamese decomposed", "Ha\u0300 Giang đo\u0301n kha\u0301ch", "vi"},
		{"vietnamese upper case", "HÀ GIANG ĐÓN KHÁCH DU LỊCH", "vi"},
		{"english headline", "Ha Giang buckwheat flower festival draws record crowds to the north", "en"},
		{"english with place names", "The festival in Hà Giang drew visitors from across the country and was a success", "en"},
		{"vietnamese with an english brand", "Khai trương cửa hàng The Coffee House đầu tiên tại Tuyên Quang", "vi"},
		{"too short", "Video", ""},
		{"numbers only", "2026 - 50.000", ""},
		{"french", "Le festival des fleurs attire des visiteurs", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Detect(tt.text); got != tt.want {
				t.Errorf("Detect(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestClearly(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"vietnamese story", "Hà Giang đón 50 nghìn lượt khách dịp lễ hội. Các điểm du lịch tại Đồng Văn được mở cửa đến khuya.", "vi"},
		{"vietnamese headline alone", "Hà Giang đón khách dịp lễ hội hoa tam giác mạch", "vi"},
		{"short vietnamese headline", "Khai mạc lễ hội hoa tam giác mạch", "vi"},
		{"vietnamese headline in capitals", "HÀ GIANG ĐÓN KHÁCH DỊP LỄ HỘI HOA TAM GIÁC MẠCH", "vi"},
		{"vietnamese headline in capitals with a label", "BẢN TIN CHIỀU: BẮC MÊ THÔNG XE CẦU TREO TRÊN QUỐC LỘ 34", "vi"},
		{"vietnamese headline, every word capitalised", "Lạng Sơn Đón Đoàn Khách Quốc Tế Đầu Tiên Qua Cửa Khẩu", "vi"},
		{"vietnamese headline in capitals, too short", "HÀ GIANG: CHỢ PHIÊN", ""},
		{"english headline in capitals with place names", "ĐỒNG VĂN, MÈO VẠC ROADS REOPEN AFTER LANDSLIDES", ""},
		{"english headline in capitals naming a festival", "HÀ GIANG OPENS TAM GIÁC MẠCH FLOWER FESTIVAL IN ĐỒNG VĂN", ""},
		{"english headline, every word capitalised", "Đồng Văn Karst Plateau Geopark Welcomes Record Visitors", ""},
		{"english headline, every word capitalised, names mostly", "Nguyễn Xuân Phúc Visits Đồng Tháp Province", ""},
		{"english headline in capitals, names mostly", "NGUYỄN XUÂN PHÚC VISITS ĐỒNG THÁP", ""},
		{"vietnamese headline in capitals with abbreviations", "CSGT TUYÊN QUANG RA QUÂN ĐỢT CAO ĐIỂM CUỐI NĂM", "vi"},
		{"vietnamese headline in capitals with a term", "TUYÊN QUANG CÓ THÊM 25 SẢN PHẨM OCOP 4 SAO", "vi"},
		{"vietnamese headline in capitals with a foreign name and a borrowed word", "HLV KIM SANG SIK CÔNG BỐ DANH SÁCH 23 CẦU THỦ DỰ SEA GAMES", "vi"},
		{"vietnamese headline in capitals with plain syllables", "CAO BẰNG ĐÓN ĐOÀN KHÁCH QUỐC TẾ ĐẦU TIÊN QUA CỬA KHẨU TRÀ LĨNH", "vi"},
		{"vietnamese headline, few words of its own", "Hà Giang: khai trương chợ phiên", ""},
		{"vietnamese headline in lower case with plain syllables", "người dân vùng cao háo hức đón mùa hoa tam giác mạch năm nay", "vi"},
		{"english headline in lower case naming vietnamese dishes", "tourists queue for phở and bánh mì at the night market", ""},
		{"english headline with vietnamese dishes", "Phở, bánh mì and bún chả top the list of street food", ""},
		{"english headline naming a festival", "Hà Giang opens Tam Giác Mạch Flower Festival in Đồng Văn", ""},
		{"english story", "The festival in Hà Giang drew visitors from across the country, and hotels in Đồng Văn were full for the weekend.", "en"},
		{"english headline with place names", "Hà Giang: Đồng Văn market in Lũng Cú draws crowds", ""},
		{"english full of place names", "The road from Hà Giang to Mèo Vạc via Yên Minh and Đồng Văn is open to the public", ""},
		{"vietnamese quoting english", "Bộ phim The Last of Us được chiếu tại rạp và có nhiều khán giả trẻ đến xem", "vi"},
		{"too short", "Video", ""},
		{"french", "Le festival des fleurs attire des visiteurs de tout le pays", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Clearly(tt.text); got != tt.want {
				t.Errorf("Clearly(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func FuzzDetect(f *testing.F) {
	f.Add("Hà Giang đón khách")
	f.Add("The festival draws crowds")
	f.Fuzz(func(t *testing.T, s string) {
		switch got := Detect(s); got {
		case "", Vietnamese, English:
		default:
			t.Errorf("Detect(%q) = %q", s, got)
		}
	})
}

func TestScript(t *testing.T) {
	for text, want := range map[string]string{
		"边境口岸货物通关量增加":                               "zh",
		"河江省茶叶出口日本":                                 "zh",
		"ハザン省のお茶、日本へ初輸出":                            "ja",
		"하장성 차 농가, 일본 수출 계약":                        "ko",
		"ខេត្តភ្នំជួបជុំកសិករដាំតែ":                 "km",
		"ສະຫຼອງບຸນຊາວບ້ານ":                          "lo",
		"ชาวบ้านฉลองเทศกาลดอกไม้":                   "th",
		"Hà Giang đón khách":                        "",
		"Txoj kev tshiab mus rau lub zos":           "",
		"The festival draws crowds":                 "",
		"Lễ hội chữ Hán 福 và 禄 tại đền Hùng":        "",
		"Новый мост открыт":                         "",
		"中":                                         "",
		"Hội chợ Việt - Trung: 边境口岸 mở cửa trở lại": "",
		"": "",
	} {
		if got := Script(text); got != want {
			t.Errorf("Script(%q) = %q, want %q", text, got, want)
		}
	}
}
