package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with a config, located in the file.
type Problem struct {
	Path    string // field path such as "sources[3].url"; empty for the file as a whole
	Line    int    // 1-based; 0 when the problem has no place in the file (a missing top-level key)
	Message string
	// Column is the 1-based column (in characters) of Line that the
	// problem points at; 0 when it points at none.
	Column int
	// Excerpt shows Line as written, with a caret under Column (and the
	// lines before it that it is measured against), secrets masked:
	// several lines, for where there is room (check-config, /status). Only
	// syntax errors have one.
	Excerpt string
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

// Error writes one line per problem, each prefixed "config: <file>: ",
// and under a problem its excerpt, indented.
func (e *Error) Error() string {
	prefix := "config: "
	if e.File != "" {
		prefix += e.File + ": "
	}
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = prefix + p.String()
		if p.Excerpt != "" {
			lines[i] += "\n" + p.Indented("  ")
		}
	}
	return strings.Join(lines, "\n")
}

// Indented is p's excerpt with every line prefixed by indent.
func (p Problem) Indented(indent string) string {
	if p.Excerpt == "" {
		return ""
	}
	return indent + strings.ReplaceAll(p.Excerpt, "\n", "\n"+indent)
}

// Load reads and parses the config file at path. A relative data_dir is taken
// relative to the folder that holds the file.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("config: %w (give the config file with -config FILE)", err)
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	// A config's parse takes some 60 times its size in memory (its node
	// tree): a file far larger than any real one must not take the
	// daemon's memory with it.
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("config: %s is larger than %d MiB, the most a config may be (10,000 sources take about 1.5 MB)", path, MaxFileBytes>>20)
	}
	return Parse(data, path)
}

// MaxFileBytes is the size of the largest config file Load reads.
const MaxFileBytes = 16 << 20

// Parse parses and validates a config. file names the config in problems and
// anchors a relative data_dir (the working directory when file is empty); the
// returned DataDir is absolute. On any problem Parse returns nil and an *Error
// listing all of them.
func Parse(data []byte, file string) (*Config, error) {
	docs, err := parseDocuments(data)
	if err != nil {
		return nil, &Error{File: file, Problems: []Problem{syntaxProblem(err, data)}}
	}
	if empty(docs) {
		// Every key the daemon needs would be reported missing; the cause
		// is most often a save cut short.
		return nil, &Error{File: file, Problems: []Problem{{Message: fmt.Sprintf("the file holds no settings (%d bytes): a save cut short? A config needs at least sources, categories and default_category", len(data))}}}
	}
	d := newDecoder()
	var c Config
	if !d.decodeFile(docs, &c) {
		// Nothing was decoded; checking it would only add noise.
		return nil, &Error{File: file, Problems: d.problems}
	}
	applyDefaults(&c, d)
	validate(&c, d)
	c.listenLine = d.line("listen")
	c.file = file
	if d.set["data_dir"] {
		c.dataDirLine = d.line("data_dir")
	}
	c.dataDirWritten = c.DataDir
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

// parseDocuments parses every document of a YAML file into nodes. A node
// tree of go.yaml.in/yaml/v3 is about a third of goccy/go-yaml's syntax
// tree: in a config of 10,000 sources with a title, level and language each,
// some 1.9 KB a source, 18 MiB live and 26 MiB allocated to parse, against
// 50 and 135 MiB; before, the largest thing in the daemon's memory while it
// started.
func parseDocuments(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			return docs, nil
		} else if err != nil {
			return nil, err
		}
		docs = append(docs, &doc)
	}
}

// empty reports whether docs hold no value at all: no document, or only
// comments.
func empty(docs []*yaml.Node) bool {
	for _, d := range docs {
		if len(d.Content) > 0 {
			return false
		}
	}
	return true
}
