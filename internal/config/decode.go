package config

import (
	"encoding"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// decoder fills a Config from the YAML syntax tree by walking the tree and the
// Go types side by side. A stock decoder stops at the first error; walking the
// tree ourselves lets one pass report every unknown key, every value of the
// wrong type and every duplicate key, each at its line, and records the line of
// every field path for the checks that follow.
type decoder struct {
	anchors  map[string]ast.Node
	lines    map[string]int  // field path → line where it is written
	set      map[string]bool // field paths given a non-null value
	bad      map[string]bool // field paths whose value could not be decoded
	problems []Problem
}

func newDecoder() *decoder {
	return &decoder{
		anchors: map[string]ast.Node{},
		lines:   map[string]int{},
		set:     map[string]bool{},
		bad:     map[string]bool{},
	}
}

func (d *decoder) addProblem(path string, line int, format string, args ...any) {
	d.problems = append(d.problems, Problem{Path: path, Line: line, Message: fmt.Sprintf(format, args...)})
}

// badValue reports a value that could not be decoded at path. Checks that
// follow skip path and what lies under it, so one mistake is reported once.
func (d *decoder) badValue(path string, line int, format string, args ...any) {
	d.bad[path] = true
	d.addProblem(path, line, format, args...)
}

// isBad tells whether path or one of its ancestors could not be decoded.
func (d *decoder) isBad(path string) bool {
	for {
		if d.bad[path] {
			return true
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return d.bad[""]
		}
		path = path[:i]
	}
}

// line is the line of path, or of its nearest ancestor that is written in the
// file (a missing field is reported at the mapping that lacks it).
func (d *decoder) line(path string) int {
	for path != "" {
		if l, ok := d.lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return 0
		}
		path = path[:i]
	}
	return 0
}

// problemAt reports a problem at path, located at path's line, unless the
// value there could not be decoded at all.
func (d *decoder) problemAt(path, format string, args ...any) {
	if d.isBad(path) {
		return
	}
	d.addProblem(path, d.line(path), format, args...)
}

func (d *decoder) decodeFile(f *ast.File, c *Config) {
	var docs []*ast.DocumentNode
	for _, doc := range f.Docs {
		if doc != nil && doc.Body != nil {
			docs = append(docs, doc)
		}
	}
	if len(docs) == 0 {
		return
	}
	for _, doc := range docs[1:] {
		d.addProblem("", nodeLine(doc.Body), "only one YAML document is allowed")
	}
	ast.Walk(anchorCollector(d.anchors), docs[0].Body)
	d.decode(docs[0].Body, reflect.ValueOf(c).Elem(), "")
}

// anchorCollector records every &anchor so that *aliases can be followed.
type anchorCollector map[string]ast.Node

func (a anchorCollector) Visit(n ast.Node) ast.Visitor {
	if anchor, ok := n.(*ast.AnchorNode); ok && anchor.Name != nil {
		a[anchor.Name.GetToken().Value] = anchor.Value
	}
	return a
}

// resolve looks through anchors, aliases and tags to the node that holds the
// value. ok is false, with a problem reported, for an alias to nothing.
func (d *decoder) resolve(n ast.Node, path string) (ast.Node, bool) {
	for range 16 {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.AliasNode:
			name := v.Value.GetToken().Value
			target, ok := d.anchors[name]
			if !ok {
				d.badValue(path, nodeLine(v), "unknown alias *%s", name)
				return nil, false
			}
			n = target
		default:
			return n, true
		}
	}
	d.badValue(path, nodeLine(n), "aliases nested too deeply")
	return nil, false
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// decode stores node into v, whose field path is path.
func (d *decoder) decode(node ast.Node, v reflect.Value, path string) {
	n, ok := d.resolve(node, path)
	if !ok {
		return
	}
	if _, null := n.(*ast.NullNode); null || n == nil {
		return
	}
	d.set[path] = true
	line := nodeLine(n)

	if reflect.PointerTo(v.Type()).Implements(textUnmarshaler) {
		text, ok := scalarText(n)
		if !ok {
			d.badValue(path, line, "want a single value, got %s", describe(n))
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(text)); err != nil {
			d.badValue(path, line, "%v", err)
		}
		return
	}

	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			d.badValue(path, line, "want a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
		for i, item := range seq.Values {
			p := fmt.Sprintf("%s[%d]", path, i)
			d.lines[p] = nodeLine(item)
			d.decode(item, s.Index(i), p)
		}
		v.Set(s)
	case reflect.String:
		text, ok := scalarText(n)
		if !ok {
			d.badValue(path, line, "want a single value, got %s", describe(n))
			return
		}
		v.SetString(text)
	case reflect.Bool:
		b, ok := n.(*ast.BoolNode)
		if !ok {
			d.badValue(path, line, "want true or false, got %s", describe(n))
			return
		}
		v.SetBool(b.Value)
	case reflect.Int, reflect.Int64:
		x, ok := integer(n)
		if !ok || v.OverflowInt(x) {
			d.badValue(path, line, "want a whole number, got %s", describe(n))
			return
		}
		v.SetInt(x)
	default:
		panic("config: no YAML decoding for " + v.Type().String())
	}
}

// integer is the value of an integer node that fits an int64.
func integer(n ast.Node) (int64, bool) {
	i, ok := n.(*ast.IntegerNode)
	if !ok {
		return 0, false
	}
	switch x := i.Value.(type) {
	case int64:
		return x, true
	case uint64:
		return int64(x), x <= math.MaxInt64
	}
	return 0, false
}

// entry is one key of a mapping, after merge keys are expanded.
type entry struct {
	key   string
	line  int
	value ast.Node
}

func (d *decoder) decodeStruct(n ast.Node, v reflect.Value, path string) {
	entries, ok := d.entries(n, path)
	if !ok {
		return
	}
	t := v.Type()
	fields := map[string]int{}
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("yaml"); tag != "" {
			fields[tag] = i
		}
	}
	for _, e := range entries {
		p := e.key
		if path != "" {
			p = path + "." + e.key
		}
		i, known := fields[e.key]
		if !known {
			msg := "unknown key"
			if near := nearest(e.key, fields); near != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", near)
			}
			d.addProblem(p, e.line, "%s", msg)
			continue
		}
		d.lines[p] = e.line
		d.decode(e.value, v.Field(i), p)
	}
}

// entries lists the keys of a mapping node in file order. Keys written in the
// mapping come first and win over keys brought in by "<<" merge keys.
func (d *decoder) entries(n ast.Node, path string) ([]entry, bool) {
	var pairs []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		pairs = m.Values
	case *ast.MappingValueNode:
		pairs = []*ast.MappingValueNode{m}
	default:
		d.badValue(path, nodeLine(n), "want a mapping of keys, got %s", describe(n))
		return nil, false
	}
	var own, merged []entry
	seen := map[string]int{}
	for _, pair := range pairs {
		if _, isMerge := pair.Key.(*ast.MergeKeyNode); isMerge {
			merged = append(merged, d.mergeEntries(pair.Value, path)...)
			continue
		}
		key, ok := d.resolve(pair.Key, path)
		if !ok {
			continue
		}
		name, ok := scalarText(key)
		line := nodeLine(pair.Key)
		if !ok {
			d.addProblem(path, line, "a key must be a single word, got %s", describe(key))
			continue
		}
		if first, dup := seen[name]; dup {
			p := name
			if path != "" {
				p = path + "." + name
			}
			d.addProblem(p, line, "duplicate key, first written at line %d", first)
			continue
		}
		seen[name] = line
		own = append(own, entry{key: name, line: line, value: pair.Value})
	}
	for _, e := range merged {
		if _, dup := seen[e.key]; !dup {
			seen[e.key] = e.line
			own = append(own, e)
		}
	}
	return own, true
}

// mergeEntries expands the value of a "<<" key: a mapping or a list of them.
func (d *decoder) mergeEntries(value ast.Node, path string) []entry {
	n, ok := d.resolve(value, path)
	if !ok {
		return nil
	}
	if seq, isSeq := n.(*ast.SequenceNode); isSeq {
		var out []entry
		for _, item := range seq.Values {
			out = append(out, d.mergeEntries(item, path)...)
		}
		return out
	}
	es, _ := d.entries(n, path)
	return es
}

// scalarText is the text of a scalar as written (without quotes), so that
// `id: 2024` gives "2024" and a hex-looking title stays as typed.
func scalarText(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, true
	}
	return "", false
}

// describe names what an unwanted node is, for a problem message.
func describe(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	}
	if text, ok := scalarText(n); ok {
		return strconv.Quote(text)
	}
	return n.Type().String()
}

// nodeLine is the line where n starts; for a block mapping that is its first
// key.
func nodeLine(n ast.Node) int {
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 && !m.IsFlowStyle {
		n = m.Values[0].Key
	}
	if mv, ok := n.(*ast.MappingValueNode); ok {
		n = mv.Key
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line
	}
	return 0
}

// nearest is the known key within two edits of key, to suggest for a typo.
func nearest(key string, known map[string]int) string {
	best, bestDist := "", 3
	for k := range known {
		if dist := editDistance(key, k); dist < bestDist || dist == bestDist && best != "" && k < best {
			best, bestDist = k, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
