package explain

import "testing"

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
