package feeds

import (
	"bytes"
	"strings"
	"testing"
)

// TestRenderPictureOnlyWeb: a story whose stored image is not an http or
// https URL (a store written before the sanitiser kept mailto: out of lead
// pictures) goes out without one in every format; a web one goes out in
// each.
func TestRenderPictureOnlyWeb(t *testing.T) {
	r := testRenderer()
	render := func(image string) map[string]string {
		t.Helper()
		st := testStories()[0]
		st.Image, st.Enclosures = image, nil
		out := map[string]string{}
		for _, f := range formats {
			var buf bytes.Buffer
			if err := f.render(r, &buf, channelFor(f.ext), []Story{st}); err != nil {
				t.Fatal(err)
			}
			out[f.ext] = buf.String()
		}
		return out
	}
	for _, image := range []string{"mailto:anh@baohagiang.example.vn", "javascript:alert(1)", "/anh/tuong-doi.jpg", "https:anh.jpg"} {
		for ext, doc := range render(image) {
			if strings.Contains(doc, image) {
				t.Errorf("%s carries the image %q:\n%s", ext, image, doc)
			}
		}
	}
	const web = "https://baohagiang.example.vn/anh/ma-pi-leng.jpg"
	for ext, doc := range render(web) {
		if !strings.Contains(doc, web) {
			t.Errorf("%s does not carry the image %q", ext, web)
		}
	}
}
