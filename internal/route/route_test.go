package route

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"newswire/feeds"
	"newswire/internal/config"
)

// testConfig is a small newsroom: local news, tourism, tea growing,
// traditional theatre, English-language items and one partner outlet.
func testConfig() *config.Config {
	return &config.Config{
		DefaultCategory: "thoi-su",
		Categories: []config.Category{
			{ID: "thoi-su", Title: "Thời sự"},
			{ID: "tin-tinh", Title: "Tin tỉnh"},
			{
				ID: "du-lich", Title: "Du lịch",
				Keywords:         []string{"du lịch", "homestay", "lễ hội"},
				SourceCategories: []string{"Du lịch", "Văn hoá - Du lịch"},
			},
			{ID: "che", Title: "Chè", Keywords: []string{"chè", "Shan tuyết"}},
			{ID: "chao", Title: "Chèo", Keywords: []string{"chèo"}},
			{ID: "english", Title: "English", Languages: []string{"en"}},
			{ID: "dan-toc", Title: "Dân tộc", Languages: []string{"hmn"}, Keywords: []string{"H'Mông", "COVID-19"}},
			{ID: "doi-tac", Title: "Đối tác", Sources: []string{"vtv-doitac"}},
		},
		Filters: config.Filters{
			DropTitlePrefixes:    []string{"Quảng cáo", "PR", "[Tài trợ]", "Covid"},
			DropKeywords:         []string{"xổ số", "cá độ bóng đá"},
			DropSourceCategories: []string{"Quảng cáo", "Thông cáo  báo chí"},
		},
	}
}

var (
	hagiang = config.Source{ID: "baohagiang", Language: "vi", Categories: []string{"tin-tinh"}}
	central = config.Source{ID: "trunguong", Language: "vi"}
	partner = config.Source{ID: "vtv-doitac", Language: "vi"}
	english = config.Source{ID: "vietnam-news", Language: "en"}
)

func nfd(s string) string { return norm.NFD.String(s) }

func TestRoute(t *testing.T) {
	r := New(testConfig())
	tests := []struct {
		name string
		src  config.Source
		item feeds.Item
		want []string
	}{
		{"source categories", hagiang, feeds.Item{Title: "Hội nghị tổng kết công tác năm"}, []string{"tin-tinh"}},
		{"default when nothing matches", central, feeds.Item{Title: "Hội nghị tổng kết công tác năm"}, []string{"thoi-su"}},
		{"keyword in title", central, feeds.Item{Title: "Lễ hội hoa tam giác mạch khai mạc ở Đồng Văn"}, []string{"du-lich"}},
		{"keyword in summary", central, feeds.Item{Title: "Đồng Văn đón khách", Summary: "Nhiều homestay kín phòng dịp cuối tuần."}, []string{"du-lich"}},
		{"keyword any case", central, feeds.Item{Title: "DU LỊCH Hà Giang tăng trưởng"}, []string{"du-lich"}},
		{"keyword source order", hagiang, feeds.Item{Title: "Chè Shan tuyết Hoàng Su Phì vào mùa thu hoạch, du lịch hút khách"},
			[]string{"tin-tinh", "du-lich", "che"}},
		{"chè is not chèo", central, feeds.Item{Title: "Liên hoan chèo toàn quốc"}, []string{"chao"}},
		{"chèo is not chè", central, feeds.Item{Title: "Giá chè búp tươi tăng"}, []string{"che"}},
		{"word inside a longer word", central, feeds.Item{Title: "Khách dulịch và homestays"}, []string{"thoi-su"}},
		{"decomposed item text", central, feeds.Item{Title: nfd("Du lịch Tuyên Quang mùa thu")}, []string{"du-lich"}},
		{"phrase across punctuation", central, feeds.Item{Title: "Khởi sắc ngành du—lịch, dịch vụ"}, []string{"du-lich"}},
		{"phrase across line breaks", central, feeds.Item{Summary: "Ngành du\n\t lịch phục hồi"}, []string{"du-lich"}},
		{"phrase not split between title and summary", central, feeds.Item{Title: "Phát triển du", Summary: "lịch cộng đồng"}, []string{"thoi-su"}},
		{"phrase needs every word", central, feeds.Item{Title: "Chè Shan ở vùng cao"}, []string{"che"}},
		{"phrase at end of text", central, feeds.Item{Title: "Thu hoạch chè Shan tuyết"}, []string{"che"}},
		{"keyword with punctuation", central, feeds.Item{Title: "Người H'Mông đón Tết"}, []string{"dan-toc"}},
		{"keyword with hyphen", central, feeds.Item{Title: "Tiêm vắc xin COVID 19 mũi nhắc lại"}, []string{"dan-toc"}},
		{"outlet label", central, feeds.Item{Title: "Đồng Văn", Labels: []string{"Du lịch"}}, []string{"du-lich"}},
		{"outlet label folded", central, feeds.Item{Title: "Đồng Văn", Labels: []string{" văn hoá -  DU LỊCH "}}, []string{"du-lich"}},
		{"outlet label decomposed", central, feeds.Item{Title: "Đồng Văn", Labels: []string{nfd("Du lịch")}}, []string{"du-lich"}},
		{"outlet label is not a keyword match", central, feeds.Item{Title: "Đồng Văn", Labels: []string{"Du lịch mới"}}, []string{"thoi-su"}},
		{"source language", english, feeds.Item{Title: "Ha Giang opens a new border gate"}, []string{"english"}},
		{"item language over source", english, feeds.Item{Title: "Tin vắn", Language: "vi"}, []string{"thoi-su"}},
		{"item language primary subtag", central, feeds.Item{Title: "Provincial news", Language: "en-US"}, []string{"english"}},
		{"three-letter language", central, feeds.Item{Title: "Xov xwm", Language: "hmn"}, []string{"dan-toc"}},
		{"partner source", partner, feeds.Item{Title: "Bản tin trưa"}, []string{"doi-tac"}},
		{"everything deduped", hagiang, feeds.Item{Title: "Lễ hội du lịch", Summary: "Lễ hội chè", Labels: []string{"Du lịch"}},
			[]string{"tin-tinh", "du-lich", "che"}},
		{"PR word does not drop", central, feeds.Item{Title: "Provincial PR officers meet", Language: "en"}, []string{"english"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := r.Route(tt.src, &tt.item)
			if d.Drop {
				t.Fatalf("Route dropped the item: %s", d.Reason)
			}
			if !slices.Equal(d.Categories, tt.want) {
				t.Errorf("Route categories = %q, want %q", d.Categories, tt.want)
			}
		})
	}
}

func TestRouteKeywordSpelling(t *testing.T) {
	// The admin may type keywords decomposed, in capitals or with odd spacing.
	for _, kw := range []string{"du lịch", nfd("Du lịch"), "DU  LỊCH", " du-lịch "} {
		t.Run(kw, func(t *testing.T) {
			r := New(&config.Config{
				DefaultCategory: "thoi-su",
				Categories:      []config.Category{{ID: "du-lich", Keywords: []string{kw}}},
			})
			d := r.Route(central, &feeds.Item{Title: "Du lịch Hà Giang"})
			if !slices.Equal(d.Categories, []string{"du-lich"}) {
				t.Errorf("keyword %q: categories = %q, want [du-lich]", kw, d.Categories)
			}
		})
	}
}

func TestRouteDrop(t *testing.T) {
	r := New(testConfig())
	tests := []struct {
		name   string
		item   feeds.Item
		reason string // empty: kept
	}{
		{"prefix with colon", feeds.Item{Title: "Quảng cáo: Khai trương siêu thị điện máy"}, `filters.drop_title_prefixes: "Quảng cáo"`},
		{"prefix folded", feeds.Item{Title: "QUẢNG CÁO - Ưu đãi cuối năm"}, `filters.drop_title_prefixes: "Quảng cáo"`},
		{"prefix decomposed", feeds.Item{Title: nfd("Quảng cáo | Bất động sản")}, `filters.drop_title_prefixes: "Quảng cáo"`},
		{"prefix with en dash", feeds.Item{Title: "Quảng cáo – Ưu đãi"}, `filters.drop_title_prefixes: "Quảng cáo"`},
		{"prefix with em dash", feeds.Item{Title: "Quảng cáo—ưu đãi"}, `filters.drop_title_prefixes: "Quảng cáo"`},
		{"prefix in brackets", feeds.Item{Title: "[PR] Ra mắt dòng xe mới"}, `filters.drop_title_prefixes: "PR"`},
		{"prefix in brackets with spaces", feeds.Item{Title: "  [ pr ]  Ra mắt dòng xe mới"}, `filters.drop_title_prefixes: "PR"`},
		{"configured with brackets", feeds.Item{Title: "[Tài trợ] Giải chạy địa hình"}, `filters.drop_title_prefixes: "[Tài trợ]"`},
		{"configured with brackets, title without", feeds.Item{Title: "Tài trợ: Giải chạy địa hình"}, `filters.drop_title_prefixes: "[Tài trợ]"`},
		{"prefix and dash alone", feeds.Item{Title: "PR -"}, `filters.drop_title_prefixes: "PR"`},
		{"prefix without separator", feeds.Item{Title: "Quảng cáo trực tuyến tăng mạnh"}, ""},
		{"prefix inside a word", feeds.Item{Title: "PRO: giải bóng đá phong trào"}, ""},
		{"prefix not at the start", feeds.Item{Title: "Siết chặt Quảng cáo: quy định mới"}, ""},
		{"hyphenated word after prefix", feeds.Item{Title: "Covid-19: tỉnh ghi nhận thêm ca bệnh"}, ""},
		{"prefix alone", feeds.Item{Title: "PR"}, ""},
		{"keyword in title", feeds.Item{Title: "Bắt nhóm tổ chức cá độ bóng đá"}, `filters.drop_keywords: "cá độ bóng đá"`},
		{"keyword in summary", feeds.Item{Title: "Kết quả", Summary: "Kết quả XỔ SỐ miền Bắc hôm nay"}, `filters.drop_keywords: "xổ số"`},
		{"first keyword in config order", feeds.Item{Title: "Cá độ bóng đá và xổ số"}, `filters.drop_keywords: "xổ số"`},
		{"keyword as part of a word", feeds.Item{Title: "Xổ sốt ruột"}, ""},
		{"outlet label", feeds.Item{Title: "Ưu đãi", Labels: []string{"Tin mới", "quảng cáo"}}, `filters.drop_source_categories: "Quảng cáo"`},
		{"outlet label spacing", feeds.Item{Title: "Ưu đãi", Labels: []string{"Thông cáo báo chí"}}, `filters.drop_source_categories: "Thông cáo  báo chí"`},
		{"outlet label only equal", feeds.Item{Title: "Ưu đãi", Labels: []string{"Quảng cáo trực tuyến"}}, ""},
		{"prefix before keyword", feeds.Item{Title: "PR: xổ số"}, `filters.drop_title_prefixes: "PR"`},
		// Invisible characters inside the prefix or a keyword do not hide it.
		{"prefix with a soft hyphen", feeds.Item{Title: "Quả\u00adng cáo: Khai trương siêu thị"}, `filters.drop_title_prefixes: "Quảng cáo"`},
		{"prefix with a zero-width joiner", feeds.Item{Title: "Quả\u200dng cáo: Khai trương siêu thị"}, `filters.drop_title_prefixes: "Quảng cáo"`},
		{"prefix with a word joiner", feeds.Item{Title: "Quảng c\u2060áo: Khai trương siêu thị"}, `filters.drop_title_prefixes: "Quảng cáo"`},
		{"prefix with a zero-width space", feeds.Item{Title: "Quảng\u200bcáo: Khai trương siêu thị"}, `filters.drop_title_prefixes: "Quảng cáo"`},
		{"prefix after a bidi mark", feeds.Item{Title: "\u200eQuảng cáo: Khai trương siêu thị"}, `filters.drop_title_prefixes: "Quảng cáo"`},
		{"keyword with a soft hyphen", feeds.Item{Title: "Bắt nhóm tổ chức cá độ bóng\u00ad đá"}, `filters.drop_keywords: "cá độ bóng đá"`},
		{"keyword with a zero-width non-joiner", feeds.Item{Title: "Kết quả xổ\u200c số hôm nay"}, `filters.drop_keywords: "xổ số"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := r.Route(hagiang, &tt.item)
			if tt.reason == "" {
				if d.Drop {
					t.Fatalf("Route dropped %q: %s", tt.item.Title, d.Reason)
				}
				if len(d.Categories) == 0 {
					t.Fatalf("Route kept %q without categories", tt.item.Title)
				}
				return
			}
			if !d.Drop || d.Reason != tt.reason {
				t.Errorf("Route(%q) = drop %v, reason %q; want drop with reason %s", tt.item.Title, d.Drop, d.Reason, tt.reason)
			}
			if d.Categories != nil {
				t.Errorf("dropped item has categories %q", d.Categories)
			}
		})
	}
}

func TestRouteConfigEdges(t *testing.T) {
	cfg := &config.Config{
		DefaultCategory: "thoi-su",
		Categories: []config.Category{
			{ID: "thoi-su"},
			{ID: "kinh-te", Keywords: []string{"", "!!!", "OCOP"}, Languages: []string{"EN-gb"}},
			{ID: "kinh-te", Keywords: []string{"chè"}}, // a duplicate id: the first definition counts
		},
	}
	r := New(cfg)
	tests := []struct {
		name string
		src  config.Source
		item feeds.Item
		want []string
	}{
		{"empty and symbol-only keywords match nothing", central, feeds.Item{Title: "!!! Tin nhanh"}, []string{"thoi-su"}},
		{"keyword of the first definition", central, feeds.Item{Title: "Sản phẩm OCOP"}, []string{"kinh-te"}},
		{"keyword of the duplicate ignored", central, feeds.Item{Title: "Giá chè"}, []string{"thoi-su"}},
		{"configured language subtag", central, feeds.Item{Title: "News", Language: "en"}, []string{"kinh-te"}},
		{"unknown source category ignored", config.Source{ID: "x", Categories: []string{"khong-co"}}, feeds.Item{Title: "Tin"}, []string{"thoi-su"}},
		{"default category also matched", config.Source{ID: "x", Categories: []string{"thoi-su", "thoi-su"}}, feeds.Item{Title: "OCOP"}, []string{"thoi-su", "kinh-te"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := r.Route(tt.src, &tt.item)
			if d.Drop || !slices.Equal(d.Categories, tt.want) {
				t.Errorf("Route = %+v, want categories %q", d, tt.want)
			}
		})
	}
}

func TestWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Du lịch, Hà Giang!", []string{"du", "lịch", "hà", "giang"}},
		{nfd("ĐỒNG VĂN"), []string{"đồng", "văn"}},
		{"COVID-19 (2021)", []string{"covid", "19", "2021"}},
		{"a\u0360b x", []string{"a\u0360b", "x"}}, // a mark NFC cannot compose stays inside the word
		{"  ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := splitWords(fold(tt.in)); !slices.Equal(got, tt.want) {
				t.Errorf("splitWords(fold(%q)) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// BenchmarkRoute routes a typical item through 50 categories of 20 keywords.
func BenchmarkRoute(b *testing.B) {
	cfg := &config.Config{DefaultCategory: "c0"}
	for c := range 50 {
		cat := config.Category{ID: fmt.Sprintf("c%d", c), SourceCategories: []string{fmt.Sprintf("Chuyên mục %d", c)}}
		for k := range 20 {
			cat.Keywords = append(cat.Keywords, fmt.Sprintf("từ khoá %d %d", c, k), fmt.Sprintf("chủ đề%d", c*20+k))
		}
		cfg.Categories = append(cfg.Categories, cat)
	}
	cfg.Categories[7].Keywords = append(cfg.Categories[7].Keywords, "du lịch")
	cfg.Filters = config.Filters{
		DropTitlePrefixes:    []string{"Quảng cáo", "PR"},
		DropKeywords:         []string{"xổ số", "cá độ"},
		DropSourceCategories: []string{"Quảng cáo"},
	}
	r := New(cfg)
	item := &feeds.Item{
		Title: "Hà Giang: Lễ hội hoa tam giác mạch thu hút hàng nghìn lượt khách du lịch",
		Summary: strings.Repeat("Tỉnh Hà Giang tổ chức chuỗi hoạt động văn hoá, thể thao và du lịch tại các huyện vùng cao núi đá, "+
			"giới thiệu đặc sản chè Shan tuyết và các món ăn truyền thống của đồng bào dân tộc. ", 2),
		Labels:   []string{"Văn hoá", "Chuyên mục 12"},
		Language: "vi",
	}
	b.ReportAllocs()
	for b.Loop() {
		if d := r.Route(hagiang, item); d.Drop {
			b.Fatal(d.Reason)
		}
	}
}
