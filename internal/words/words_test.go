package words

import (
	"slices"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestFoldAndSplit(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Du LỊCH Hà Giang", []string{"du", "lịch", "hà", "giang"}},
		{norm.NFD.String("Du lịch, homestay!"), []string{"du", "lịch", "homestay"}},
		{"Chè-chèo (2026)", []string{"chè", "chèo", "2026"}},
		{"PR: provincial", []string{"pr", "provincial"}},
		{"  ", nil},
		// Invisible format characters do not cut or hide a word.
		{"Quả\u00adng c\u200dáo\u2060 xổ\u200c số \u202eHà\u202c\ufeff", []string{"quảng", "cáo", "xổ", "số", "hà"}},
		{"Quảng\u200bcáo", []string{"quảng", "cáo"}},
	}
	for _, tt := range tests {
		if got := Split(Fold(tt.in)); !slices.Equal(got, tt.want) {
			t.Errorf("Split(Fold(%q)) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
