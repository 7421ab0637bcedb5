package feeds

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"
)

var updateParse = flag.Bool("update-parse", false, "rewrite testdata/parse/*.golden.json")

// parseNow is "now" for every parse test: after the fixtures' dates, before
// the far-future ones that must be clamped.
var parseNow = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "parse", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseFixture(t *testing.T, name string, opt ParseOptions) *Feed {
	t.Helper()
	if opt.Now.IsZero() {
		opt.Now = parseNow
	}
	f, err := Parse(readFixture(t, name), opt)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return f
}

// TestParseGolden parses one document per format and situation and compares
// the whole Feed with testdata/parse/NAME.golden.json (-update-parse rewrites
// them). Every string of every result must also be NFC and free of the
// characters XML forbids.
func TestParseGolden(t *testing.T) {
	tests := []struct {
		file        string
		feedURL     string
		contentType string
	}{
		{"rss091.xml", "https://tuyenquang.example.vn/rss.xml", "text/xml"},
		{"rss10.xml", "https://caobang.example.vn/rss", "application/rdf+xml"},
		{"rss20.xml", "https://hagiang.example.vn/rss/thoi-su.rss", "application/rss+xml; charset=utf-8"},
		{"atom03.xml", "https://laocai.example.vn/atom.xml", ""},
		{"atom10.xml", "https://bacgiang.example.vn/tin/nong-nghiep.atom", "application/atom+xml"},
		{"jsonfeed10.json", "https://yenbai.example.vn/feed.json", "application/json"},
		{"jsonfeed11.json", "https://langson.example.vn/feed.json", "application/feed+json"},
		{"win1258-decl.xml", "https://backan.example.vn/rss", "text/xml"},
		{"win1258-nodecl.xml", "https://backan.example.vn/rss", "text/xml; charset=windows-1258"},
		{"bom-utf8.xml", "https://thainguyen.example.vn/rss", ""},
		{"bom-utf16.xml", "https://thainguyen.example.vn/rss", ""},
		{"nfd.xml", "https://phutho.example.vn/rss", ""},
		{"dates.xml", "https://dienbien.example.vn/rss", ""},
		{"relative-links.xml", "https://sonla.example.vn/rss/tin-moi.rss", ""},
		{"leading-comment.xml", "https://hoabinh.example.vn/rss", ""},
		{"guid-only.xml", "https://laichau.example.vn/rss", ""},
		{"billion-laughs.xml", "https://ninhbinh.example.vn/rss", ""},
		{"control-chars.json", "https://hungyen.example.vn/feed.json", ""},
		{"control-chars.xml", "https://thanhhoa.example.vn/rss", ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := parseFixture(t, tt.file, ParseOptions{FeedURL: tt.feedURL, ContentType: tt.contentType})
			if len(f.Items) == 0 {
				t.Fatal("no items")
			}
			eachString(reflect.ValueOf(f), func(path, s string) {
				if !norm.NFC.IsNormalString(s) {
					t.Errorf("%s is not NFC: %+q", path, s)
				}
				if i := strings.IndexFunc(s, forbiddenInXML); i >= 0 {
					t.Errorf("%s holds a control character: %+q", path, s)
				}
			})

			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(f); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			golden := filepath.Join("testdata", "parse", tt.file+".golden.json")
			if *updateParse {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update-parse to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("result differs from %s:\n%s", golden, got)
			}
		})
	}
}

// eachString calls fn with every string reachable from v.
func eachString(v reflect.Value, fn func(path, s string)) {
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(path, v.Elem())
			}
		case reflect.String:
			fn(path, v.String())
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(fmt.Sprintf("%s[%d]", path, i), v.Index(i))
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					walk(path+"."+v.Type().Field(i).Name, v.Field(i))
				}
			}
		}
	}
	walk("Feed", v)
}

// TestParseFormats pins, independently of the golden files, what each format
// must yield.
func TestParseFormats(t *testing.T) {
	vn := time.FixedZone("+07", 7*3600)
	tests := []struct {
		file    string
		feedURL string
		check   func(t *testing.T, f *Feed)
	}{
		{"rss091.xml", "https://tuyenquang.example.vn/rss.xml", func(t *testing.T, f *Feed) {
			wantEqual(t, "feed language", f.Language, "vi-VN")
			wantEqual(t, "title", f.Items[1].Title, "Nông dân Hàm Yên thu hoạch cam sành")
			wantEqual(t, "link", f.Items[0].Link, "https://tuyenquang.example.vn/van-hoa/khai-mac-le-hoi-thanh-tuyen.html")
		}},
		{"rss10.xml", "https://caobang.example.vn/rss", func(t *testing.T, f *Feed) {
			wantEqual(t, "TTL from sy:updatePeriod hourly / frequency 2", f.TTL, 30*time.Minute)
			wantEqual(t, "RDF item GUID", f.Items[0].GUID, "")
			wantEqual(t, "dc:date", f.Items[0].Published, time.Date(2021, 12, 13, 8, 30, 0, 0, vn).UTC())
			wantEqual(t, "zone-less dc:date", f.Items[1].Published, time.Date(2021, 12, 13, 9, 0, 0, 0, vn).UTC())
			wantEqual(t, "dc:creator", f.Items[0].Authors, []Person{{Name: "Nông Thị Hoa"}})
			wantEqual(t, "dc:subject", f.Items[0].Labels, []string{"Du lịch"})
			wantEqual(t, "feed language", f.Items[0].Language, "vi")
			wantEqual(t, "item dc:language", f.Items[1].Language, "en")
		}},
		{"rss20.xml", "https://hagiang.example.vn/rss/thoi-su.rss", func(t *testing.T, f *Feed) {
			wantEqual(t, "TTL", f.TTL, 15*time.Minute)
			wantEqual(t, "hubs", f.Hubs, []string{"https://websub.example.vn/"})
			wantEqual(t, "language", f.Language, "vi")
			it := f.Items[0]
			wantEqual(t, "GUID", it.GUID, "hg-2021-10452")
			wantEqual(t, "labels", it.Labels, []string{"Du lịch", "Văn hoá"})
			wantEqual(t, "authors", it.Authors, []Person{{Name: "Lò Văn Pháo"}})
			wantEqual(t, "image from media:thumbnail, not from the HTML", it.Image, "https://hagiang.example.vn/anh/tgm-thumb.jpg")
			wantEqual(t, "enclosures", it.Enclosures, []Enclosure{
				{URL: "https://hagiang.example.vn/audio/tgm.mp3", Type: "audio/mpeg", Length: 1048576},
				{URL: "https://hagiang.example.vn/video/tgm.mp4", Type: "video/mp4", Length: 7340032},
			})
			if !strings.HasPrefix(it.ContentHTML, "<p>Những ngày này") || !strings.HasPrefix(it.Summary, "<img") {
				t.Errorf("content %q / summary %q: want content:encoded and description as HTML", it.ContentHTML, it.Summary)
			}
			it = f.Items[1]
			wantEqual(t, "author with email", it.Authors, []Person{{Name: "Ban Kinh tế", Email: "toasoan@hagiang.example.vn"}})
			wantEqual(t, "ICT date", it.Published, time.Date(2021, 12, 13, 3, 5, 0, 0, time.UTC))
			wantEqual(t, "media:group image", it.Image, "https://hagiang.example.vn/anh/che-shan.jpg")
			wantEqual(t, "media:group audio", it.Enclosures, []Enclosure{{URL: "https://hagiang.example.vn/audio/che-shan.m4a", Type: "audio/mp4", Length: 2048}})
			it = f.Items[2]
			wantEqual(t, "future date clamped", it.Published, parseNow)
			wantEqual(t, "untyped media:content .jpg is an image", it.Image, "https://hagiang.example.vn/anh/khau-vai.jpg")
			wantEqual(t, "no enclosures", len(it.Enclosures), 0)
		}},
		{"atom03.xml", "https://laocai.example.vn/atom.xml", func(t *testing.T, f *Feed) {
			it := f.Items[0]
			wantEqual(t, "issued", it.Published, time.Date(2021, 12, 13, 0, 15, 0, 0, time.UTC))
			wantEqual(t, "modified", it.Updated, time.Date(2021, 12, 13, 1, 0, 0, 0, time.UTC))
			wantEqual(t, "escaped content", it.ContentHTML, "<p>Sáng nay, nhiều du khách lên <em>Fansipan</em> ngắm băng giá.</p>")
			wantEqual(t, "feed author inherited", it.Authors, []Person{{Name: "Toà soạn Báo Lào Cai"}})
			wantEqual(t, "xml:lang", it.Language, "vi")
		}},
		{"atom10.xml", "https://bacgiang.example.vn/tin/nong-nghiep.atom", func(t *testing.T, f *Feed) {
			wantEqual(t, "feed title", f.Title, "Báo Bắc Giang Nông nghiệp")
			wantEqual(t, "feed link", f.Link, "https://bacgiang.example.vn/")
			wantEqual(t, "hubs", f.Hubs, []string{"https://websub.example.vn/hub"})
			it := f.Items[0]
			wantEqual(t, "HTML title", it.Title, "Vải thiều Lục Ngạn & những chuyến hàng sang Nhật Bản")
			wantEqual(t, "xml:base link", it.Link, "https://bacgiang.example.vn/tin/vai-thieu-luc-ngan.html")
			wantEqual(t, "enclosure link", it.Enclosures, []Enclosure{{URL: "https://bacgiang.example.vn/audio/vai-thieu.mp3", Type: "audio/mpeg", Length: 5120}})
			wantEqual(t, "author", it.Authors, []Person{{Name: "Trần Minh Đức", URL: "https://bacgiang.example.vn/tac-gia/tran-minh-duc"}})
			wantEqual(t, "labels", it.Labels, []string{"Nông nghiệp", "Xuất khẩu"})
			wantEqual(t, "published", it.Published, time.Date(2021, 12, 13, 1, 0, 0, 0, time.UTC))
			wantEqual(t, "updated", it.Updated, time.Date(2021, 12, 13, 2, 30, 0, 0, time.UTC))
			wantEqual(t, "xhtml content resolved by xml:base", it.ContentHTML, `<p>Năm nay, <a href="https://bacgiang.example.vn/tin/ban-do.html">Lục Ngạn</a> xuất khẩu 200 tấn vải.</p>`)
			it = f.Items[1]
			wantEqual(t, "entry xml:base", it.Link, "https://bacgiang.example.vn/ban-tin/chieu-13-12.html")
			wantEqual(t, "published falls back to updated", it.Published, time.Date(2021, 12, 13, 17, 0, 0, 0, time.UTC))
			wantEqual(t, "feed author inherited", it.Authors, []Person{{Name: "Ban Nông nghiệp", Email: "nongnghiep@bacgiang.example.vn"}})
		}},
		{"jsonfeed10.json", "https://yenbai.example.vn/feed.json", func(t *testing.T, f *Feed) {
			wantEqual(t, "only WebSub hubs", f.Hubs, []string{"https://websub.example.vn/"})
			it := f.Items[0]
			wantEqual(t, "link", it.Link, "https://yenbai.example.vn/xa-hoi/ruong-bac-thang-mu-cang-chai.html")
			wantEqual(t, "image", it.Image, "https://yenbai.example.vn/anh/mu-cang-chai.jpg")
			wantEqual(t, "content_text as HTML", it.ContentHTML,
				"<p>Những thửa ruộng vàng óng trải dài.</p><p>Du khách &lt;đông&gt; &amp; vui.<br>Người dân sẵn sàng đón khách.</p>")
			wantEqual(t, "summary", it.Summary, "Mùa vàng ở Mù Cang Chải.")
			wantEqual(t, "labels", it.Labels, []string{"Du lịch", "Xã hội"})
			wantEqual(t, "feed author", it.Authors, []Person{{Name: "Toà soạn Yên Bái", URL: "https://yenbai.example.vn/toa-soan"}})
			wantEqual(t, "attachment", it.Enclosures, []Enclosure{{URL: "https://yenbai.example.vn/audio/mu-cang-chai.mp3", Type: "audio/mpeg", Length: 3145728}})
			wantEqual(t, "id that is a URL stands in for the link", f.Items[1].Link, "https://yenbai.example.vn/kinh-te/que-van-yen.html")
		}},
		{"jsonfeed11.json", "https://langson.example.vn/feed.json", func(t *testing.T, f *Feed) {
			wantEqual(t, "language", f.Language, "vi-VN")
			it := f.Items[0]
			wantEqual(t, "zone-less date", it.Published, time.Date(2021, 12, 13, 8, 22, 5, 0, time.UTC))
			wantEqual(t, "banner image", it.Image, "https://langson.example.vn/anh/huu-nghi.jpg")
			wantEqual(t, "authors", it.Authors, []Person{{Name: "Hoàng Văn Nam", URL: "https://langson.example.vn/tac-gia/hoang-van-nam"}})
			wantEqual(t, "video attachment", it.Enclosures, []Enclosure{{URL: "https://langson.example.vn/video/huu-nghi.mp4", Type: "video/mp4", Length: 10485760}})
			it = f.Items[1]
			wantEqual(t, "external_url", it.Link, "https://english.langson.example.vn/border-gate.html")
			wantEqual(t, "item language", it.Language, "en")
			wantEqual(t, "feed authors", it.Authors, []Person{{Name: "Ban Thời sự"}})
			wantEqual(t, "day-first date", it.Published, time.Date(2021, 12, 13, 8, 22, 0, 0, time.UTC))
		}},
		{"guid-only.xml", "https://laichau.example.vn/rss", func(t *testing.T, f *Feed) {
			wantEqual(t, "guid trimmed", f.Items[0].GUID, "https://laichau.example.vn/kinh-te/tam-duong-trong-che.html")
			wantEqual(t, "guid as link", f.Items[0].Link, "https://laichau.example.vn/kinh-te/tam-duong-trong-che.html")
			wantEqual(t, "non-URL guid kept", f.Items[1].GUID, "lc-2021-9910")
			wantEqual(t, "non-URL guid is no link", f.Items[1].Link, "")
		}},
		{"relative-links.xml", "https://sonla.example.vn/rss/tin-moi.rss", func(t *testing.T, f *Feed) {
			wantEqual(t, "feed link", f.Link, "https://sonla.example.vn/")
			it := f.Items[0]
			wantEqual(t, "link", it.Link, "https://sonla.example.vn/du-lich/moc-chau-hoa-man.html")
			wantEqual(t, "enclosure", it.Enclosures, []Enclosure{{URL: "https://sonla.example.vn/media/moc-chau.mp3", Type: "audio/mpeg", Length: 300}})
			wantEqual(t, "protocol-relative image", it.Image, "https://cdn.sonla.example.vn/anh/moc-chau.jpg")
			wantEqual(t, "javascript: link dropped", f.Items[1].Link, "")
		}},
		{"relative-links.xml", "", func(t *testing.T, f *Feed) {
			wantEqual(t, "no base: relative link dropped", f.Items[0].Link, "")
			wantEqual(t, "no base: enclosure dropped", len(f.Items[0].Enclosures), 0)
		}},
		{"leading-comment.xml", "https://hoabinh.example.vn/rss", func(t *testing.T, f *Feed) {
			wantEqual(t, "title", f.Items[0].Title, "Mai Châu đón khách về bản Lác")
		}},
		{"billion-laughs.xml", "https://ninhbinh.example.vn/rss", func(t *testing.T, f *Feed) {
			// Entities are not expanded: the reference stays as text.
			wantEqual(t, "title", f.Items[0].Title, "Ninh Bình &lol9;")
		}},
		{"control-chars.json", "https://hungyen.example.vn/feed.json", func(t *testing.T, f *Feed) {
			wantEqual(t, "feed title", f.Title, "Báo Hưng Yên")
			wantEqual(t, "title", f.Items[0].Title, "Nhãn lồng Hưng Yên vào vụ")
			wantEqual(t, "GUID", f.Items[0].GUID, "hy-1")
			wantEqual(t, "labels", f.Items[0].Labels, []string{"Nôngnghiệp"})
		}},
		{"control-chars.xml", "https://thanhhoa.example.vn/rss", func(t *testing.T, f *Feed) {
			wantEqual(t, "feed title", f.Title, "Báo Thanh Hoá")
			wantEqual(t, "title", f.Items[0].Title, "Sầm Sơn đón khách")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.feedURL, func(t *testing.T) {
			f := parseFixture(t, tt.file, ParseOptions{FeedURL: tt.feedURL})
			wantEqual(t, "FeedURL", f.FeedURL, tt.feedURL)
			tt.check(t, f)
		})
	}
}

func wantEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

// TestParseCharset pins the charset order (BOM, XML declaration,
// Content-Type, UTF-8) and NFC output for Vietnamese text.
func TestParseCharset(t *testing.T) {
	const (
		bacKan    = "Hồ Ba Bể đón đoàn khách quốc tế đầu tiên"
		thaiNguen = "Chè Tân Cương vào vụ thu hoạch cuối năm"
	)
	// One broken byte in a document of realistic size.
	utf8Doc := []byte(`<?xml version="1.0"?><rss version="2.0"><channel><item><title>Đồng Văn ` + "\xff" + `hôm nay</title>` +
		`<description>` + strings.Repeat("Cao nguyên đá Đồng Văn đón khách. ", 40) + `</description></item></channel></rss>`)
	tests := []struct {
		name        string
		body        []byte
		contentType string
		want        string
	}{
		{"windows-1258 declared", readFixture(t, "win1258-decl.xml"), "", bacKan},
		{"declaration beats a wrong header", readFixture(t, "win1258-decl.xml"), "text/xml; charset=iso-8859-5", bacKan},
		{"windows-1258 from Content-Type", readFixture(t, "win1258-nodecl.xml"), "application/rss+xml; charset=windows-1258", bacKan},
		{"header label is case-insensitive", readFixture(t, "win1258-nodecl.xml"), `text/xml; Charset="Windows-1258"`, bacKan},
		{"UTF-8 BOM beats the declaration", readFixture(t, "bom-utf8.xml"), "text/xml; charset=windows-1258", thaiNguen},
		{"UTF-16 BOM", readFixture(t, "bom-utf16.xml"), "", thaiNguen},
		{"NFD composed", readFixture(t, "nfd.xml"), "", "Giỗ Tổ Hùng Vương: hàng vạn người về Đền Hùng"},
		{"a stray byte in UTF-8 is replaced", utf8Doc, "", "Đồng Văn \uFFFDhôm nay"},
		{"declared UTF-8 that is not gives way to the header",
			append([]byte(`<?xml version="1.0" encoding="utf-8"?>`), readFixture(t, "win1258-nodecl.xml")...),
			"text/xml; charset=windows-1258", bacKan},
		{"valid UTF-8 beats a single-byte declaration",
			[]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><item><title>` + bacKan + `</title></item></channel></rss>`),
			"application/rss+xml; charset=UTF-8", bacKan},
		{"UTF-16LE without a byte order mark, as the header says", utf16LE(`<?xml version="1.0"?><rss version="2.0"><channel><item><title>` + thaiNguen + `</title></item></channel></rss>`),
			"application/rss+xml; charset=utf-16le", thaiNguen},
		{"UTF-16 without a byte order mark, little-endian by its zero bytes", utf16LE(`<rss version="2.0"><channel><item><title>` + thaiNguen + `</title></item></channel></rss>`),
			"application/rss+xml; charset=utf-16", thaiNguen},
		{"UTF-16LE without a byte order mark or a charset, by its first characters", utf16LE(`<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><item><title>` + thaiNguen + `</title></item></channel></rss>`),
			"text/xml", thaiNguen},
		{"UTF-16BE without a byte order mark or a charset, by its first characters", utf16BE(`<rss version="2.0"><channel><item><title>` + thaiNguen + `</title></item></channel></rss>`),
			"", thaiNguen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.body, ParseOptions{FeedURL: "https://example.vn/rss", ContentType: tt.contentType, Now: parseNow})
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "title", f.Items[0].Title, tt.want)
		})
	}
}

func utf16BE(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}

func utf16LE(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// TestCharsetErrors: a body that cannot be read says which label was
// wrong, or that it names a charset this reader does not know.
func TestCharsetErrors(t *testing.T) {
	win1258 := readFixture(t, "win1258-nodecl.xml")
	for _, tc := range []struct {
		name, contentType string
		body              []byte
		want              string
	}{
		{"unknown charset", "", append([]byte(`<?xml version="1.0" encoding="VISCII"?>`), win1258...), `charset "VISCII" (XML declaration) is not one this reader knows`},
		{"a header that says UTF-8 wrongly", "application/rss+xml; charset=UTF-8", win1258, "although its Content-Type says UTF-8"},
		{"nothing declared", "", win1258, "declares no charset"},
	} {
		_, err := Parse(tc.body, ParseOptions{FeedURL: "https://example.vn/rss", ContentType: tc.contentType, Now: parseNow})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestParseDates reads dates.xml, one item per date form, in the default
// zone (Asia/Ho_Chi_Minh) and in another.
func TestParseDates(t *testing.T) {
	at := func(loc *time.Location, y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, loc).UTC()
	}
	vn := time.FixedZone("+07", 7*3600)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	explicit := at(vn, 2021, 12, 13, 15, 22, 5)
	tests := []struct {
		guid     string
		want     time.Time // with the default zone
		wantInJP time.Time // with Location Asia/Tokyo
	}{
		{"d-rfc1123z", explicit, explicit},
		{"d-ict", explicit, explicit},
		{"d-gmt7", explicit, explicit},
		{"d-gmt0700", explicit, explicit},
		{"d-plus07", explicit, explicit},
		{"d-zoneless-rfc", explicit, at(tokyo, 2021, 12, 13, 15, 22, 5)},
		{"d-vn-time", at(vn, 2021, 12, 13, 15, 22, 0), at(tokyo, 2021, 12, 13, 15, 22, 0)},
		{"d-vn-date", at(vn, 2021, 12, 13, 0, 0, 0), at(tokyo, 2021, 12, 13, 0, 0, 0)},
		{"d-iso-space", explicit, at(tokyo, 2021, 12, 13, 15, 22, 5)},
		{"d-gmt", explicit, explicit},
		{"d-weekday-vn", at(vn, 2021, 12, 13, 15, 22, 0), at(vn, 2021, 12, 13, 15, 22, 0)},
		{"d-dc", explicit, explicit},
		{"d-bad", time.Time{}, time.Time{}},
		{"d-future", parseNow, parseNow},
	}
	byGUID := func(f *Feed) map[string]Item {
		m := make(map[string]Item)
		for _, it := range f.Items {
			m[it.GUID] = it
		}
		return m
	}
	def := byGUID(parseFixture(t, "dates.xml", ParseOptions{}))
	jp := byGUID(parseFixture(t, "dates.xml", ParseOptions{Location: tokyo}))
	for _, tt := range tests {
		t.Run(tt.guid, func(t *testing.T) {
			wantEqual(t, "published", def[tt.guid].Published, tt.want)
			wantEqual(t, "published in Asia/Tokyo", jp[tt.guid].Published, tt.wantInJP)
			if loc := def[tt.guid].Published.Location(); loc != time.UTC {
				t.Errorf("location %v, want UTC", loc)
			}
		})
	}
}

// TestParseDate covers the layouts one by one, in Asia/Ho_Chi_Minh.
func TestParseDate(t *testing.T) {
	vn := time.FixedZone("+07", 7*3600)
	utc := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	local := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, vn).UTC()
	}
	tests := []struct {
		raw  string
		want time.Time // zero: unreadable
	}{
		{"Mon, 13 Dec 2021 15:22:05 +0700", local(2021, 12, 13, 15, 22, 5)},
		{"Mon, 13 Dec 2021 15:22:05 -0500", utc(2021, 12, 13, 20, 22, 5)},
		{"Mon, 13 Dec 2021 15:22:05 EST", utc(2021, 12, 13, 20, 22, 5)},
		{"Mon, 13 Dec 2021 15:22:05 GMT", utc(2021, 12, 13, 15, 22, 5)},
		{"Mon, 13 Dec 2021 15:22:05 UT", utc(2021, 12, 13, 15, 22, 5)},
		{"Mon, 13 Dec 2021 15:22:05 ICT", local(2021, 12, 13, 15, 22, 5)},
		{"Mon, 13 Dec 2021 15:22:05 GMT+7", local(2021, 12, 13, 15, 22, 5)},
		{"Mon, 13 Dec 2021 15:22:05 GMT+07:00", local(2021, 12, 13, 15, 22, 5)},
		{"Mon, 13 Dec 2021 15:22:05 UTC+0700", local(2021, 12, 13, 15, 22, 5)},
		{"Mon, 13 Dec 2021 15:22:05 +0700 (ICT)", local(2021, 12, 13, 15, 22, 5)},
		{"Mon, 13 Dec 2021 15:22:05 XYZ", local(2021, 12, 13, 15, 22, 5)},
		{"Mon, 13 Dec 21 15:22:05 +0700", local(2021, 12, 13, 15, 22, 5)},
		{"13 Dec 2021 15:22 +0700", local(2021, 12, 13, 15, 22, 0)},
		{"Monday, 13-Dec-21 15:22:05 GMT", utc(2021, 12, 13, 15, 22, 5)},
		{"Mon Dec 13 15:22:05 2021", local(2021, 12, 13, 15, 22, 5)},
		{"December 13, 2021 3:22 PM", local(2021, 12, 13, 15, 22, 0)},
		{"Dec 13, 2021", local(2021, 12, 13, 0, 0, 0)},
		{"2021-12-13T15:22:05Z", utc(2021, 12, 13, 15, 22, 5)},
		{"2021-12-13T15:22:05.123+07:00", local(2021, 12, 13, 15, 22, 5).Add(123 * time.Millisecond)},
		{"2021-12-13T15:22:05+07", local(2021, 12, 13, 15, 22, 5)},
		{"2021-12-13T15:22:05", local(2021, 12, 13, 15, 22, 5)},
		{"2021-12-13 15:22:05", local(2021, 12, 13, 15, 22, 5)},
		{"2021-12-13 15:22", local(2021, 12, 13, 15, 22, 0)},
		{"2021-12-13", local(2021, 12, 13, 0, 0, 0)},
		{"2021/12/13 15:22", local(2021, 12, 13, 15, 22, 0)},
		{"13/12/2021 15:22", local(2021, 12, 13, 15, 22, 0)},
		{"13/12/2021 15:22:05", local(2021, 12, 13, 15, 22, 5)},
		{"13/12/2021", local(2021, 12, 13, 0, 0, 0)},
		{"29/11/26 08:36", local(2026, 11, 29, 8, 36, 0)},
		{"29/11/26 08:36:15", local(2026, 11, 29, 8, 36, 15)},
		{"29/11/26", local(2026, 11, 29, 0, 0, 0)},
		{"03/04/2021", local(2021, 4, 3, 0, 0, 0)},
		{"12/13/2021", local(2021, 12, 13, 0, 0, 0)},
		{"13-12-2021 15:22", local(2021, 12, 13, 15, 22, 0)},
		{"13.12.2021 15:22", local(2021, 12, 13, 15, 22, 0)},
		{"15:22 13/12/2021", local(2021, 12, 13, 15, 22, 0)},
		{"13/12/2021 - 15:22", local(2021, 12, 13, 15, 22, 0)},
		{"Thứ hai, 13/12/2021, 15:22 (GMT+7)", local(2021, 12, 13, 15, 22, 0)},
		{"Thứ Hai, 13/12/2021 15:22 GMT+7", local(2021, 12, 13, 15, 22, 0)},
		{"  13/12/2021   15:22  ", local(2021, 12, 13, 15, 22, 0)},
		{"", time.Time{}},
		{"hôm qua", time.Time{}},
		{"32/13/2021", time.Time{}},
		{"2021-12-13T15:22:05+25:00", time.Time{}},
		{"0001-01-01T00:00:00Z", time.Time{}},
		{"Thu, 01 Jan 1970 00:00:00 +0000", time.Time{}},
		{"Thu, 01 Jan 1970 07:00:00 +0700", time.Time{}},
		{"1970-01-01T00:00:00Z", time.Time{}},
		{"01/01/1970", time.Time{}},
		{"Fri, 02 Jan 1970 08:00:00 +0700", utc(1970, 1, 2, 1, 0, 0)},
	}
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, ok := parseDate(tt.raw, loc)
			if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
				t.Errorf("parseDate(%q) = %v, %v; want %v", tt.raw, got, ok, tt.want)
			}
		})
	}
}

// TestParseDateVietnameseMeridiem: .NET writes vi-VN times on a 12-hour
// clock with SA (sáng, morning) and CH (chiều, afternoon) where English has
// AM and PM; 12 CH is noon and 12 SA midnight.
func TestParseDateVietnameseMeridiem(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	local := func(d, h, mi, s int) time.Time {
		return time.Date(2026, 11, d, h, mi, s, 0, time.FixedZone("+07", 7*3600)).UTC()
	}
	tests := []struct {
		raw  string
		want time.Time
	}{
		{"29/11/2026 2:30:00 CH", local(29, 14, 30, 0)},
		{"29/11/2026 02:34:00 CH", local(29, 14, 34, 0)},
		{"29/11/2026 9:15 ch", local(29, 21, 15, 0)},
		{"29/11/2026 9:15:00 SA", local(29, 9, 15, 0)},
		{"29/11/2026 12:05:00 CH", local(29, 12, 5, 0)},
		{"29/11/2026 12:05:00 SA", local(29, 0, 5, 0)},
		{"29/11/2026 14:40:00 CH", local(29, 14, 40, 0)},
		{"Chủ nhật, 29/11/2026 3:10 CH", local(29, 15, 10, 0)},
		{"29/11/2026 2:30:00 PM", local(29, 14, 30, 0)},
	}
	for _, tt := range tests {
		got, ok := parseDate(tt.raw, loc)
		if !ok || !got.Equal(tt.want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v", tt.raw, got, ok, tt.want)
		}
	}
}

func TestParseMaxItems(t *testing.T) {
	tests := []struct {
		file     string
		maxItems int
		want     []string // GUIDs or links, in order
	}{
		{"rss20.xml", 2, []string{"hg-2021-10452", "https://hagiang.example.vn/kinh-te/htx-che-shan-tuyet.html"}},
		{"rss20.xml", 0, []string{"hg-2021-10452", "https://hagiang.example.vn/kinh-te/htx-che-shan-tuyet.html", ""}},
		{"rss20.xml", 10, []string{"hg-2021-10452", "https://hagiang.example.vn/kinh-te/htx-che-shan-tuyet.html", ""}},
		// Its two entries are dated oldest first: the newer is kept.
		{"atom10.xml", 1, []string{"https://bacgiang.example.vn/ban-tin/chieu-13-12.html"}},
		{"jsonfeed11.json", 1, []string{"ls-3301"}},
		{"rss10.xml", 1, []string{""}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.file, tt.maxItems), func(t *testing.T) {
			f := parseFixture(t, tt.file, ParseOptions{MaxItems: tt.maxItems})
			var got []string
			for _, it := range f.Items {
				got = append(got, it.GUID)
			}
			wantEqual(t, "GUIDs", got, tt.want)
		})
	}
}

func TestParseErrors(t *testing.T) {
	const feedURL = "https://namdinh.example.vn/rss"
	tests := []struct {
		name        string
		body        []byte
		contentType string
		notFeed     bool   // must wrap ErrNotFeed
		want        string // in the message
	}{
		{"truncated XML", readFixture(t, "truncated.xml"), "", false, "unexpected EOF"},
		{"unterminated attribute", readFixture(t, "malformed.xml"), "", false, "XML syntax error"},
		{"broken markup", []byte(`<rss version="2.0"><channel><<<>>></channel></rss>`), "", false, "XML syntax error"},
		{"truncated JSON", readFixture(t, "malformed.json"), "", false, "unexpected end of JSON"},
		{"JSON of the wrong shape", []byte(`{"items": 42}`), "", false, "items is a JSON number, where the spec has an array"},
		{"HTML page", readFixture(t, "not-a-feed.html"), "text/html", true, "root element <html>"},
		{"empty body", nil, "", true, "empty body"},
		{"whitespace", []byte(" \n\t"), "", true, "empty body"},
		{"plain text", []byte("Báo Nam Định đang bảo trì"), "", true, "starts with"},
		{"comment only", []byte("<!-- bảo trì -->"), "", true, "no root element"},
		{"windows-1258 without any charset", readFixture(t, "win1258-nodecl.xml"), "text/xml", false, "declares no charset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.body, ParseOptions{FeedURL: feedURL, ContentType: tt.contentType})
			if err == nil {
				t.Fatalf("Parse succeeded with %d items, want an error", len(f.Items))
			}
			if f != nil {
				t.Errorf("Parse returned a feed with its error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "feeds: parse "+feedURL+": ") || !strings.Contains(msg, tt.want) {
				t.Errorf("error %q: want prefix %q and %q in it", msg, "feeds: parse "+feedURL+": ", tt.want)
			}
			if errors.Is(err, ErrNotFeed) != tt.notFeed {
				t.Errorf("errors.Is(err, ErrNotFeed) = %v, want %v", !tt.notFeed, tt.notFeed)
			}
		})
	}
}

// TestParseWronglyClosedTag pins a leniency of gofeed's XML reader: a wrong
// end tag inside an item does not fail the document. Callers must not take
// success for a healthy feed (see LIBRARIES.md).
func TestParseWronglyClosedTag(t *testing.T) {
	doc := `<rss version="2.0"><channel><title>Báo Hà Nam</title><item><title>Phủ Lý</titl></item></channel></rss>`
	f, err := Parse([]byte(doc), ParseOptions{FeedURL: "https://hanam.example.vn/rss"})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	wantEqual(t, "items", len(f.Items), 1)
}

// FuzzParse feeds mutated fixtures to Parse: it must return a feed or an
// error, never panic (Parse turns panics into errors, so the test looks for
// those), and the error must name the feed.
func FuzzParse(f *testing.F) {
	entries, err := os.ReadDir(filepath.Join("testdata", "parse"))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".golden.json") {
			f.Add(readFixture(f, e.Name()), "")
		}
	}
	f.Add(readFixture(f, "win1258-nodecl.xml"), "text/xml; charset=windows-1258")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		const feedURL = "https://fuzz.example.vn/rss"
		feed, err := Parse(body, ParseOptions{FeedURL: feedURL, ContentType: contentType, MaxItems: 50, Now: parseNow})
		if err != nil {
			if strings.Contains(err.Error(), "panic:") {
				t.Fatalf("panic: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "feeds: parse "+feedURL+": ") {
				t.Fatalf("error does not name the feed: %v", err)
			}
			return
		}
		if len(feed.Items) > 50 {
			t.Fatalf("%d items, MaxItems is 50", len(feed.Items))
		}
		for _, it := range feed.Items {
			if it.Published.After(parseNow) || it.Updated.After(parseNow) {
				t.Fatalf("date after now: %v %v", it.Published, it.Updated)
			}
		}
	})
}

// BenchmarkParse parses a generated RSS 2.0 feed of 2,000 items.
func BenchmarkParse(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>Báo Hà Giang</title><link>https://hagiang.example.vn/</link><language>vi</language>
`)
	for i := range 2000 {
		fmt.Fprintf(&buf, `<item><title>Tin số %d: Đồng Văn đón khách du lịch cao nguyên đá</title>
<link>/tin/%d.html</link><guid isPermaLink="false">hg-%d</guid>
<description><![CDATA[<p>Tóm tắt tin số %d về hoa tam giác mạch ở Sủng Là.</p>]]></description>
<content:encoded><![CDATA[<p>Nội dung đầy đủ của tin số %d: những cánh đồng hoa nở rộ, du khách tấp nập.</p><p><img src="/anh/%d.jpg"/></p>]]></content:encoded>
<dc:creator>Lò Văn Pháo</dc:creator><pubDate>13/12/2021 15:%02d</pubDate><category>Du lịch</category>
<media:thumbnail url="/anh/%d-nho.jpg"/></item>
`, i, i, i, i, i, i, i%60, i)
	}
	buf.WriteString("</channel></rss>\n")
	body := buf.Bytes()
	opt := ParseOptions{FeedURL: "https://hagiang.example.vn/rss", Now: parseNow}

	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		f, err := Parse(body, opt)
		if err != nil {
			b.Fatal(err)
		}
		if len(f.Items) != 2000 {
			b.Fatalf("%d items", len(f.Items))
		}
	}
}

func TestGuardParse(t *testing.T) {
	f, err := guardParse("https://quangninh.example.vn/rss", func() (*Feed, error) {
		var items []Item
		_ = items[3] // the kind of slip a parser makes on a strange document
		return &Feed{}, nil
	})
	if f != nil || err == nil || !strings.HasPrefix(err.Error(), "feeds: parse https://quangninh.example.vn/rss: panic: ") {
		t.Errorf("got %v, %v; want a panic error naming the feed", f, err)
	}
	_, err = guardParse("", func() (*Feed, error) { return nil, ErrNotFeed })
	if !errors.Is(err, ErrNotFeed) || err.Error() != "feeds: parse document: not a feed" {
		t.Errorf("err = %v, want ErrNotFeed wrapped for an unnamed document", err)
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Vải thiều <em>Lục Ngạn</em>", "Vải thiều Lục Ngạn"},
		{"Giá &quot;chè&quot; tăng &amp;amp; ổn định", `Giá "chè" tăng &amp; ổn định`},
		{"AT&T mở văn phòng", "AT&T mở văn phòng"},
		{"Nhiệt độ x < 5 độ", "Nhiệt độ x < 5 độ"},
		{"Tin <script>alert(1)</script>nóng<style>p{}</style>", "Tin nóng"},
		{"Dòng một<br/>dòng hai", "Dòng một dòng hai"},
		{"  nhiều\n\t khoảng   trắng ", "nhiều khoảng trắng"},
		{"Ha\u0300 Giang", "Hà Giang"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			wantEqual(t, "plainText", plainText(tt.in), tt.want)
		})
	}
}

// TestCollapseSpace checks collapseSpace against the plain definition
// (strings.Fields, joined by spaces), and that a string already collapsed
// comes back without being copied.
func TestCollapseSpace(t *testing.T) {
	for _, in := range []string{
		"", " ", "  ", "a", " a", "a ", "a b", "a  b", "a\tb", "a\nb", "a \n b",
		"Lào Cai đón khách", "Lào Cai\u00a0đón khách", "Lào\u3000Cai", "Lào Cai\u2028",
		"\u00a0Lào Cai", "Tin nóng: lũ quét ở Mù Cang Chải", "Tin  nóng", "x\u0085y",
	} {
		if got, want := collapseSpace(in), strings.Join(strings.Fields(in), " "); got != want {
			t.Errorf("collapseSpace(%q) = %q, want %q", in, got, want)
		}
	}
	title := "Yên Bái trồng thêm 2.000 ha quế trên các sườn đồi"
	if n := testing.AllocsPerRun(100, func() { _ = collapseSpace(title) }); n != 0 {
		t.Errorf("collapseSpace of a collapsed title allocated %v times, want 0", n)
	}
}

func TestTextToHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  \n ", ""},
		{"Một dòng", "<p>Một dòng</p>"},
		{"Đoạn 1\r\n\r\nĐoạn 2\ndòng 2", "<p>Đoạn 1</p><p>Đoạn 2<br>dòng 2</p>"},
		{"a < b & \"c\"\n \n\n", "<p>a &lt; b &amp; &#34;c&#34;</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			wantEqual(t, "textToHTML", textToHTML(tt.in), tt.want)
		})
	}
}

// TestJSONFeedDateModifiedOnly: a JSON Feed item with date_modified and no
// date_published is published then, as an Atom entry with only updated is.
func TestJSONFeedDateModifiedOnly(t *testing.T) {
	doc := `{"version": "https://jsonfeed.org/version/1.1", "title": "Báo Tuyên Quang điện tử",
 "home_page_url": "https://baotq.example.vn/",
 "items": [
  {"id": "tq-1", "url": "https://baotq.example.vn/kinh-te/cam-sanh.html", "title": "Cam sành Hàm Yên vào vụ thu hoạch",
   "content_text": "Năng suất cam tăng so với năm trước.", "date_modified": "2026-11-20T06:55:00+07:00"},
  {"id": "tq-2", "url": "https://baotq.example.vn/xa-hoi/lop-hoc.html", "title": "Lớp học xóa mù chữ ở Lâm Bình",
   "content_text": "Ba mươi học viên theo học.", "date_published": "2026-11-19T08:00:00+07:00",
   "date_modified": "2026-11-20T09:00:00+07:00"}
 ]}`
	feed, err := Parse([]byte(doc), ParseOptions{FeedURL: "https://baotq.example.vn/feed.json", Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if len(feed.Items) != 2 {
		t.Fatalf("%d items, want 2", len(feed.Items))
	}
	modifiedOnly, both := feed.Items[0], feed.Items[1]
	wantEqual(t, "published of the item with date_modified alone", modifiedOnly.Published, time.Date(2026, 11, 19, 23, 55, 0, 0, time.UTC))
	wantEqual(t, "its updated", modifiedOnly.Updated, time.Date(2026, 11, 19, 23, 55, 0, 0, time.UTC))
	wantEqual(t, "published of the item with both", both.Published, time.Date(2026, 11, 19, 1, 0, 0, 0, time.UTC))
	wantEqual(t, "its updated", both.Updated, time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC))
}

// TestDateIssues: an item is marked when its date is not taken as the
// outlet wrote it, an unreadable one or one well in the future; not for a
// date a few minutes ahead (a drifting clock), nor for an unreadable
// date_published beside a date_modified that dates it.
func TestDateIssues(t *testing.T) {
	now := time.Date(2026, 11, 29, 4, 0, 0, 0, time.UTC)
	rss := func(pubDate string) string {
		return `<rss version="2.0"><channel><title>Báo Lai Châu</title><item><guid>lc-1</guid><title>Mùa hoa tam giác mạch</title>` +
			`<pubDate>` + pubDate + `</pubDate></item></channel></rss>`
	}
	json := func(dates string) string {
		return `{"version": "https://jsonfeed.org/version/1.1", "title": "Báo Lai Châu", "items": [{"id": "lc-1", "title": "Mùa hoa tam giác mạch"` + dates + `}]}`
	}
	tests := []struct {
		name, doc string
		want      DateIssue
		published time.Time
	}{
		{"readable", rss("Sun, 29 Nov 2026 10:00:00 +0700"), DateIssue{}, now.Add(-time.Hour)},
		{"none", rss(""), DateIssue{}, time.Time{}},
		{"unreadable", rss(" 29 tháng 11,\n 2026   8 giờ "), DateIssue{Raw: "29 tháng 11, 2026 8 giờ"}, time.Time{}},
		{"a few minutes ahead", rss("Sun, 29 Nov 2026 11:10:00 +0700"), DateIssue{}, now},
		{"hours ahead", rss("2026-11-29 18:00 +07:00"), DateIssue{Raw: "2026-11-29 18:00 +07:00", Future: true}, now},
		{"json, modified dates it", json(`, "date_published": "hôm qua", "date_modified": "2026-11-29T09:00:00+07:00"`), DateIssue{}, now.Add(-2 * time.Hour)},
		{"json, neither read", json(`, "date_published": "hôm qua", "date_modified": "hôm kia"`), DateIssue{Raw: "hôm qua"}, time.Time{}},
		{"json, modified alone unreadable", json(`, "date_modified": "hôm kia"`), DateIssue{Raw: "hôm kia"}, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feed, err := Parse([]byte(tt.doc), ParseOptions{FeedURL: "https://laichau.example.vn/rss", Now: now})
			if err != nil || len(feed.Items) != 1 {
				t.Fatalf("parse: %v", err)
			}
			wantEqual(t, "date issue", feed.Items[0].DateIssue, tt.want)
			wantEqual(t, "published", feed.Items[0].Published, tt.published)
		})
	}
}

// TestUpdatedDateIssues: an item's updated date that newswire cannot read
// is left out, and one well in the future clamped to now, each marked as
// the published date's issue is; an updated date that is the published
// date too (an Atom entry, a JSON Feed item or an RSS item with that date
// alone) is marked once, as the published date.
func TestUpdatedDateIssues(t *testing.T) {
	now := time.Date(2026, 11, 29, 4, 0, 0, 0, time.UTC)
	atom := func(dates string) string {
		return `<feed xmlns="http://www.w3.org/2005/Atom"><title>Báo Điện Biên</title><id>tag:dienbien.example,2026:tin</id>` +
			`<entry><id>tag:dienbien.example,2026:db-1</id><title>Mường Nhé mở lớp xoá mù chữ</title>` + dates + `</entry></feed>`
	}
	json := func(dates string) string {
		return `{"version": "https://jsonfeed.org/version/1.1", "title": "Báo Lai Châu", "items": [{"id": "lc-1", "title": "Mùa hoa tam giác mạch"` + dates + `}]}`
	}
	const published = `<published>2026-11-29T08:00:00+07:00</published>`
	tests := []struct {
		name, doc       string
		issue, updIssue DateIssue
		published, upd  time.Time
	}{
		{"readable", atom(published + `<updated>2026-11-29T09:30:00+07:00</updated>`),
			DateIssue{}, DateIssue{}, now.Add(-3 * time.Hour), now.Add(-90 * time.Minute)},
		{"unreadable", atom(published + `<updated>thứ Hai, 31/13/2026</updated>`),
			DateIssue{}, DateIssue{Raw: "thứ Hai, 31/13/2026"}, now.Add(-3 * time.Hour), time.Time{}},
		{"hours ahead", atom(published + `<updated>2026-11-29T18:00:00+07:00</updated>`),
			DateIssue{}, DateIssue{Raw: "2026-11-29T18:00:00+07:00", Future: true}, now.Add(-3 * time.Hour), now},
		{"a few minutes ahead", atom(published + `<updated>2026-11-29T11:10:00+07:00</updated>`),
			DateIssue{}, DateIssue{}, now.Add(-3 * time.Hour), now},
		{"atom, updated alone unreadable", atom(`<updated>hôm kia</updated>`),
			DateIssue{Raw: "hôm kia"}, DateIssue{}, time.Time{}, time.Time{}},
		{"atom, updated alone ahead", atom(`<updated>2026-11-29T18:00:00+07:00</updated>`),
			DateIssue{Raw: "2026-11-29T18:00:00+07:00", Future: true}, DateIssue{}, now, now},
		{"json, modified ahead", json(`, "date_published": "2026-11-29T08:00:00+07:00", "date_modified": "2099-01-01T00:00:00Z"`),
			DateIssue{}, DateIssue{Raw: "2099-01-01T00:00:00Z", Future: true}, now.Add(-3 * time.Hour), now},
		{"json, modified alone unreadable", json(`, "date_modified": "hôm kia"`),
			DateIssue{Raw: "hôm kia"}, DateIssue{}, time.Time{}, time.Time{}},
		{"json, neither read", json(`, "date_published": "hôm qua", "date_modified": "hôm kia"`),
			DateIssue{Raw: "hôm qua"}, DateIssue{Raw: "hôm kia"}, time.Time{}, time.Time{}},
		{"rss, dc:date alone unreadable", `<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Báo Lai Châu</title>` +
			`<item><guid>lc-1</guid><title>Mùa hoa tam giác mạch</title><dc:date>sáng nay</dc:date></item></channel></rss>`,
			DateIssue{Raw: "sáng nay"}, DateIssue{}, time.Time{}, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feed, err := Parse([]byte(tt.doc), ParseOptions{FeedURL: "https://dienbien.example.vn/tin", Now: now})
			if err != nil || len(feed.Items) != 1 {
				t.Fatalf("parse: %v", err)
			}
			it := feed.Items[0]
			wantEqual(t, "date issue", it.DateIssue, tt.issue)
			wantEqual(t, "updated date issue", it.UpdatedIssue, tt.updIssue)
			wantEqual(t, "published", it.Published, tt.published)
			wantEqual(t, "updated", it.Updated, tt.upd)
		})
	}
}

// TestParseJSONNulls: JSON allows null where gofeed's translator expects an
// object; such entries are skipped, not a reason to fail (or panic).
func TestParseJSONNulls(t *testing.T) {
	tests := []struct {
		doc       string
		wantItems int
	}{
		{`{"version":"https://jsonfeed.org/version/1.1","items":[null,{"id":"qn-1","title":"Hạ Long"}]}`, 1},
		{`{"version":"https://jsonfeed.org/version/1.1","authors":[null],"items":[{"id":"qn-1","authors":[null,{"name":"Vũ Hà"}]}]}`, 1},
		{`{"version":"https://jsonfeed.org/version/1.1","author":null,"items":[{"id":"qn-1","author":null,"attachments":[null]}]}`, 1},
		{`{"version":"https://jsonfeed.org/version/1.1","hubs":[null,{"type":"WebSub","url":"https://websub.example.vn/"}],"items":null}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			f, err := Parse([]byte(tt.doc), ParseOptions{FeedURL: "https://quangninh.example.vn/feed.json"})
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "items", len(f.Items), tt.wantItems)
		})
	}
}

func TestFeedKind(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"rss after a comment", "\ufeff<?xml version=\"1.0\"?>\n<!-- tin mới -->\n<rss version=\"2.0\"><channel/></rss>", "RSS"},
		{"rdf", `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF>`, "RSS"},
		{"atom", `<feed xmlns="http://www.w3.org/2005/Atom"></feed>`, "Atom"},
		{"json", ` {"version": "https://jsonfeed.org/version/1.1"}`, "JSON Feed"},
		{"xhtml page", `<?xml version="1.0"?><!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml"></html>`, ""},
		{"html page", `<!doctype html><html><body>Tin</body></html>`, ""},
		{"empty", ``, ""},
	} {
		kind, ok := FeedKind([]byte(tc.body), "")
		if kind != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: FeedKind = %q, %v; want %q", tc.name, kind, ok, tc.want)
		}
	}
	utf16 := readFixture(t, "bom-utf16.xml")
	if kind, ok := FeedKind(utf16, ""); kind != "RSS" || !ok {
		t.Errorf("UTF-16 with a byte order mark: FeedKind = %q, %v", kind, ok)
	}
	// Single-byte charsets, declared in the document or by the server:
	// "Đường lên Hà Giang" in windows-1258 (tone marks as combining
	// characters), and a French headline in ISO-8859-1.
	for _, tc := range []struct{ name, body, contentType string }{
		{"windows-1258 declared", "<?xml version=\"1.0\" encoding=\"windows-1258\"?><rss version=\"2.0\"><channel><title>\xd0\xfd\xf5\xccng l\xean Ha\xcc Giang</title></channel></rss>", ""},
		{"ISO-8859-1 declared", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>R\xe9sum\xe9 de l'actualit\xe9 r\xe9gionale</title></channel></rss>", ""},
		{"ISO-8859-1 served", "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>R\xe9sum\xe9 de l'actualit\xe9</title></feed>", "text/xml; charset=iso-8859-1"},
	} {
		want := "RSS"
		if strings.Contains(tc.body, "<feed") {
			want = "Atom"
		}
		if kind, ok := FeedKind([]byte(tc.body), tc.contentType); kind != want || !ok {
			t.Errorf("%s: FeedKind = %q, %v; want %q", tc.name, kind, ok, want)
		}
	}
}

// TestLanguageTag: language tags come out in BCP 47's canonical form
// whatever case and separator the feed wrote them in; what is no tag at all
// is none, rather than be written into xml:lang as it came.
func TestLanguageTag(t *testing.T) {
	for in, want := range map[string]string{
		"vi": "vi", " en ": "en", "VI": "vi", "vi_VN": "vi-VN", "VI-vn": "vi-VN", "en-gb": "en-GB",
		"zh-hant-tw": "zh-Hant-TW", "hmn": "hmn", "sr_latn": "sr-Latn", "": "",
		"not a tag!": "", `en"><script>alert(1)</script>`: "", "vi\u202e": "", "Tiếng Việt": "", "x-private-tag": "x-private-tag",
	} {
		if got := LanguageTag(in); got != want {
			t.Errorf("LanguageTag(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestJSONBadItems: an item of the wrong shape (a number for a title, a
// string for an item) is left out of a JSON Feed and counted as unread,
// the others are read; a document whose items are not a list at all is an
// error that names the field in the feed's terms, not Go's.
func TestJSONBadItems(t *testing.T) {
	body := `{"version":"https://jsonfeed.org/version/1.1","title":"Báo Cao Bằng","items":[
{"id":"cb-1","url":"https://caobang.example.vn/tin/1.html","title":"Khai trương chợ phiên Trùng Khánh","content_text":"Chợ phiên mới mở cửa."},
{"id":"cb-2","url":"https://caobang.example.vn/tin/2.html","title":5},
"một chuỗi",
null,
{"id":"cb-3","url":"https://caobang.example.vn/tin/3.html","title":"Thác Bản Giốc đón khách dịp cuối tuần","content_text":"Lượng khách tăng."}]}`
	f, err := Parse([]byte(body), ParseOptions{FeedURL: "https://caobang.example.vn/feed.json"})
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, it := range f.Items {
		titles = append(titles, it.Title)
	}
	if len(titles) != 2 || titles[0] != "Khai trương chợ phiên Trùng Khánh" || titles[1] != "Thác Bản Giốc đón khách dịp cuối tuần" {
		t.Errorf("items read: %q, want the two well-formed ones", titles)
	}
	if f.Unread != 2 {
		t.Errorf("Unread = %d, want 2 (the numeric title and the string)", f.Unread)
	}

	_, err = Parse([]byte(`{"version":"https://jsonfeed.org/version/1.1","title":"Báo Cao Bằng","items":5}`), ParseOptions{})
	if err == nil || !strings.Contains(err.Error(), "items is a JSON number, where the spec has an array") || strings.Contains(err.Error(), "alias") {
		t.Errorf("items of the wrong shape: %v", err)
	}
}

// TestShortFieldsThatAreNone: a language that is no tag and an enclosure
// type that is no media type are none, rather than be written into
// xml:lang, <language> and type="…" as they came; the enclosure's type is
// then named from its file.
func TestShortFieldsThatAreNone(t *testing.T) {
	body := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Đài Hà Giang</title><link>https://hagiang.test/</link><description>Tin</description>
<language>&lt;b&gt;vi&lt;/b&gt;</language>
<item><title>Bản tin thời sự tối</title><link>https://hagiang.test/tin/1</link><guid>tin-1</guid>
<dc:language>en"&gt;&lt;script&gt;alert(1)&lt;/script&gt;</dc:language>
<enclosure url="https://hagiang.test/am-thanh/ban-tin-toi.mp3" length="1200" type="audio/mpeg&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"/>
</item></channel></rss>`)
	f, err := Parse(body, ParseOptions{FeedURL: "https://hagiang.test/rss", Now: parseNow})
	if err != nil {
		t.Fatal(err)
	}
	if f.Language != "" {
		t.Errorf("feed language %q", f.Language)
	}
	it := f.Items[0]
	if it.Language != "" {
		t.Errorf("item language %q", it.Language)
	}
	if len(it.Enclosures) != 1 || it.Enclosures[0].Type != "" {
		t.Fatalf("enclosures %+v", it.Enclosures)
	}
	if typ := mediaType(" Audio/MPEG; charset=binary "); typ != "audio/mpeg" {
		t.Errorf("mediaType of a real type with a parameter: %q", typ)
	}
}

// TestRSSDctermsModified: an RSS item's dcterms:modified is the date it was
// last changed, as Atom's updated is; without one, an item has no date of
// change of its own.
func TestRSSDctermsModified(t *testing.T) {
	doc := `<rss version="2.0" xmlns:dcterms="http://purl.org/dc/terms/"><channel><title>Báo Bắc Kạn</title><link>https://backan.example.vn/</link>` +
		`<item><guid>bk-1</guid><title>Ba Bể đón đoàn khách đầu tiên của mùa nước lên</title><pubDate>Sat, 28 Nov 2026 07:00:00 +0700</pubDate>` +
		`<dcterms:modified>2026-11-28T09:15:00+07:00</dcterms:modified></item>` +
		`<item><guid>bk-2</guid><title>Chợ Đồn mở lớp dạy nghề đan lát cho phụ nữ</title><pubDate>Sat, 28 Nov 2026 06:00:00 +0700</pubDate></item>` +
		`</channel></rss>`
	f, err := Parse([]byte(doc), ParseOptions{FeedURL: "https://backan.example.vn/rss", Now: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 28, 2, 15, 0, 0, time.UTC); !f.Items[0].Updated.Equal(want) {
		t.Errorf("updated %v, want %v", f.Items[0].Updated, want)
	}
	if u := f.Items[1].Updated; !u.IsZero() && !u.Equal(f.Items[1].Published) {
		t.Errorf("an item never changed read as updated %v", u)
	}
}
