package config

import (
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"newswire/internal/urlsafe"
)

// decoder fills a Config from the YAML node tree by walking the tree and the
// Go types side by side. A stock decoder stops at the first error; walking the
// tree ourselves lets one pass report every unknown key, every value of the
// wrong type and every duplicate key, each at its line, and records the line of
// every field path for the checks that follow.
type decoder struct {
	lines map[string]int  // field path → line where it is written
	set   map[string]bool // field paths given a non-null value
	bad   map[string]bool // field paths whose value could not be decoded
	// aliases are the field paths written as an alias (*name), whose
	// lines below are the anchor's.
	aliases  map[string]*yaml.Node
	problems []Problem
}

// maxNodes is how many nodes a config may stand for, its aliases followed:
// 10,000 sources with a title, level and language each are some 110,000. A
// few lines of nested aliases can stand for billions, each to be walked.
const maxNodes = 1_000_000

func newDecoder() *decoder {
	return &decoder{
		lines:   map[string]int{},
		set:     map[string]bool{},
		bad:     map[string]bool{},
		aliases: map[string]*yaml.Node{},
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

// aliasOf is path or its nearest ancestor that is written as an alias, and
// the alias; nil when none is.
func (d *decoder) aliasOf(path string) (string, *yaml.Node) {
	for {
		if a, ok := d.aliases[path]; ok {
			return path, a
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return "", nil
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

// setting names the setting at path and its value, with its line when the
// file writes it: "items_per_feed (50, line 2)", "identity.window (72h,
// the default)"; for a problem about another setting, which it depends on.
func (d *decoder) setting(path string, value any) string {
	if !d.set[path] || d.isBad(path) {
		return fmt.Sprintf("%s (%v, the default)", path, value)
	}
	return fmt.Sprintf("%s (%v, line %d)", path, value, d.line(path))
}

// problemAt reports a problem at path, located at path's line, unless the
// value there could not be decoded at all.
func (d *decoder) problemAt(path, format string, args ...any) {
	if d.isBad(path) {
		return
	}
	if !d.set[path] && strings.Contains(format, "got ") {
		// A value the admin never wrote: the default, which some other
		// setting now rules out.
		format += " (the default: the file does not set it)"
	}
	msg := fmt.Sprintf(format, args...)
	if at, a := d.aliasOf(path); a != nil {
		// Its line is the anchor's, where the value is written: say
		// where it is used again.
		msg += fmt.Sprintf(" (%s is the alias *%s of line %d)", at, a.Value, a.Line)
	}
	d.addProblem(path, d.line(path), "%s", msg)
}

// decodeFile decodes the first of the documents of a file into c; any other
// is a problem. It returns false, with nothing decoded, for a document that
// stands for more than maxNodes values.
func (d *decoder) decodeFile(docs []*yaml.Node, c *Config) bool {
	var bodies []*yaml.Node
	for _, doc := range docs {
		if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 && !isNull(doc.Content[0]) {
			bodies = append(bodies, doc.Content[0])
		}
	}
	if len(bodies) == 0 {
		return true
	}
	for _, body := range bodies[1:] {
		d.addProblem("", body.Line, "only one YAML document is allowed")
	}
	if expanded(bodies[0], map[*yaml.Node]int{}) > maxNodes {
		d.addProblem("", bodies[0].Line, "the config stands for more than %d values through its aliases, or has too many sources (10,000 with a title, level and language each are some 110,000 values)", maxNodes)
		return false
	}
	d.decode(bodies[0], reflect.ValueOf(c).Elem(), "")
	return true
}

// expanded counts the nodes n stands for with its aliases followed, up to
// just past maxNodes, in time linear in the nodes written: the count of
// each node is kept in seen. An alias to a node that holds it (which the
// parser lets through) stands for endlessly many.
func expanded(n *yaml.Node, seen map[*yaml.Node]int) int {
	n = resolve(n)
	if c, ok := seen[n]; ok {
		if c < 0 { // n holds the alias that led back to it
			return maxNodes + 1
		}
		return c
	}
	seen[n] = -1
	count := 1
	for _, child := range n.Content {
		count = min(count+expanded(child, seen), maxNodes+1)
	}
	seen[n] = count
	return count
}

// resolve follows an alias to the node it stands for. One step is enough:
// the parser refuses an alias to no anchor (see syntaxProblem), and an
// anchor is never on an alias.
func resolve(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		return n.Alias
	}
	return n
}

// isNull tells whether n is a scalar without a value: empty, ~ or null.
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// decode stores node into v, whose field path is path.
func (d *decoder) decode(node *yaml.Node, v reflect.Value, path string) {
	n := resolve(node)
	if node.Kind == yaml.AliasNode {
		d.aliases[path] = node
	}
	if isNull(n) {
		return
	}
	d.set[path] = true
	line := n.Line

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
		if n.Kind != yaml.SequenceNode {
			d.badValue(path, line, "want a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			d.lines[p] = item.Line
			d.decode(item, s.Index(i), p)
		}
		v.Set(s)
	case reflect.String:
		text, ok := scalarText(n)
		if !ok {
			d.badValue(path, line, "want a single value, got %s%s", describe(n), colonHint(n, path))
			return
		}
		v.SetString(text)
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			d.badValue(path, line, "want true or false, got %s", describe(n))
			return
		}
		v.SetBool(b)
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

// integer is the value of an integer scalar that fits an int64.
func integer(n *yaml.Node) (int64, bool) {
	var x int64
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&x) != nil {
		return 0, false
	}
	return x, true
}

// entry is one key of a mapping, after merge keys are expanded.
type entry struct {
	key   string
	line  int
	value *yaml.Node
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
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
func (d *decoder) entries(n *yaml.Node, path string) ([]entry, bool) {
	if n.Kind != yaml.MappingNode {
		d.badValue(path, n.Line, "want a mapping of keys, got %s", describe(n))
		return nil, false
	}
	var own, merged []entry
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, value := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, d.mergeEntries(value, path)...)
			continue
		}
		key := resolve(k)
		line := k.Line
		if key.Kind != yaml.ScalarNode {
			d.addProblem(path, line, "a key must be a single word, got %s", describe(key))
			continue
		}
		name := key.Value
		if first, dup := seen[name]; dup {
			p := name
			if path != "" {
				p = path + "." + name
			}
			d.addProblem(p, line, "duplicate key, first written at line %d", first)
			continue
		}
		seen[name] = line
		own = append(own, entry{key: name, line: line, value: value})
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
func (d *decoder) mergeEntries(value *yaml.Node, path string) []entry {
	n := resolve(value)
	if n.Kind == yaml.SequenceNode {
		var out []entry
		for _, item := range n.Content {
			out = append(out, d.mergeEntries(item, path)...)
		}
		return out
	}
	es, _ := d.entries(n, path)
	return es
}

// scalarText is the text of a scalar as written (without quotes), so that
// `id: 2024` gives "2024" and a hex-looking title stays as typed.
func scalarText(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		return "", false
	}
	return n.Value, true
}

// colonHint explains a mapping of one key and its value written on one
// line where text was wanted at path: "- Quảng cáo: mới" is the text
// "Quảng cáo: mới" to whoever wrote it, and a key to YAML. A mapping in
// braces, {Tin: x}, was written as one; a secret's text is not repeated.
func colonHint(n *yaml.Node, path string) string {
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 || urlsafe.Secret(path[strings.LastIndexAny(path, ".]")+1:]) {
		return ""
	}
	k, v := n.Content[0], n.Content[1]
	if k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode || k.Line != v.Line || k.Style != 0 || v.Style != 0 || k.Column != n.Column {
		return ""
	}
	text := k.Value + ": " + v.Value
	if isNull(v) && v.Value == "" {
		text = k.Value + ":"
	}
	return fmt.Sprintf(" (a colon followed by a space makes a key of what is before it: quote the text, %s)", yamlQuote(text))
}

// describe names what an unwanted node is, for a problem message.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		// A key and a secret written without the space between them
		// ("admin_token:s3cr3t") are one scalar: not repeated as it is.
		return strconv.Quote(string(shown(n.Value)))
	}
	return "an alias"
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
