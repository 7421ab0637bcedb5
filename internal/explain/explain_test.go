package explain

import (
	"strings"
	"testing"
)

func TestParseID(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"17", 17, true},
		{"tag:example.org,2026:story/17", 17, true},
		{"tag:127.0.0.1,2026:story/4", 4, true},
		{"0", 0, false},
		{"", 0, false},
		{"story/", 0, false},
		{"tag:example.org,2026:story/x", 0, false},
		{"-3", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseID(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseID(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestWriteNamesTheVersion: --explain says which outlet's item each join by
// text was confirmed against, and which version of it when that outlet
// corrected its item, with the sides of the verdict's pairs.
func TestWriteNamesTheVersion(t *testing.T) {
	o := newOutlets(t)
	o.put("baolaocai", "sat-lo", slTitle2, slText2, "vi", 0)
	if r := o.put("vov", "sat-lo-bat-xat", "Bát Xát: 2 người mất tích sau sạt lở đất", slText2, "vi", 50); r.Joined != 1 {
		t.Fatalf("coverage of the first version: %+v", r)
	}
	if r := o.put("baolaocai", "sat-lo", slTitle3, slText3, "vi", 0); r.Updated != 1 {
		t.Fatalf("correction: %+v", r)
	}
	if r := o.put("dantri", "sat-lo-lao-cai", "Bát Xát: 3 người mất tích sau sạt lở đất", slText3, "vi", 150); r.Joined != 1 {
		t.Fatalf("coverage of the correction: %+v", r)
	}
	if r := o.put("vtv", "sat-lo-2-nguoi", "Sạt lở đất ở Bát Xát làm 2 người mất tích", slText2, "vi", 160); r.Joined != 1 {
		t.Fatalf("coverage of the first version after the correction: %+v", r)
	}
	var out strings.Builder
	if err := Write(&out, o.st, 1); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"joined by text against baolaocai's first version (corrected since), pairs read vov / baolaocai: same story",
		"joined by text against baolaocai's corrected version, pairs read dantri / baolaocai: same story",
		"joined by text against baolaocai's first version (corrected before this join), pairs read vtv / baolaocai: same story",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("want %q in:\n%s", want, out.String())
		}
	}
}
