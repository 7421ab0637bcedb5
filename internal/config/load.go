package config

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
)

// Problem is one thing wrong with a config, located in the file.
type Problem struct {
	Path    string // field path such as "sources[3].url"; empty for the file as a whole
	Line    int    // 1-based; 0 when the problem has no place in the file (a missing top-level key)
	Message string
}

// String writes p as "sources[3].url: not an absolute http(s) URL: "ftp://x" (line 42)".
func (p Problem) String() string {
	var b strings.Builder
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	if p.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", p.Line)
	}
	return b.String()
}

// Error is every problem found in a config, in file order. Load and Parse
// return it when there is any.
type Error struct {
	File     string
	Problems []Problem
}

// Error writes one line per problem, each prefixed "config: <file>: ".
func (e *Error) Error() string {
	prefix := "config: "
	if e.File != "" {
		prefix += e.File + ": "
	}
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = prefix + p.String()
	}
	return strings.Join(lines, "\n")
}

// Load reads and parses the config file at path. A relative data_dir is taken
// relative to the folder that holds the file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(data, path)
}

// Parse parses and validates a config. file names the config in problems and
// anchors a relative data_dir (the working directory when file is empty); the
// returned DataDir is absolute. On any problem Parse returns nil and an *Error
// listing all of them.
func Parse(data []byte, file string) (*Config, error) {
	f, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		return nil, &Error{File: file, Problems: []Problem{syntaxProblem(err)}}
	}
	d := newDecoder()
	var c Config
	d.decodeFile(f, &c)
	applyDefaults(&c, d)
	validate(&c, d)
	if len(d.problems) > 0 {
		// Problems without a line concern keys that are absent: list them last.
		slices.SortStableFunc(d.problems, func(a, b Problem) int {
			return cmp.Compare(sortLine(a), sortLine(b))
		})
		return nil, &Error{File: file, Problems: d.problems}
	}
	if !filepath.IsAbs(c.DataDir) {
		dir := filepath.Join(filepath.Dir(file), c.DataDir)
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		c.DataDir = dir
	}
	return &c, nil
}

func sortLine(p Problem) int {
	if p.Line == 0 {
		return int(^uint(0) >> 1)
	}
	return p.Line
}

// syntaxProblem turns a YAML parse error into a Problem. The parser stops at
// the first syntax error, so there is only ever one.
func syntaxProblem(err error) Problem {
	var yerr yaml.Error
	if errors.As(err, &yerr) {
		p := Problem{Message: "invalid YAML: " + yerr.GetMessage()}
		if tk := yerr.GetToken(); tk != nil && tk.Position != nil {
			p.Line = tk.Position.Line
		}
		return p
	}
	return Problem{Message: "invalid YAML: " + err.Error()}
}
