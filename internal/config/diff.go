package config

import (
	"fmt"
	"reflect"
	"strings"
)

// Change is one difference between two configs, as a reload would apply it.
type Change struct {
	Kind string // added | removed | changed | ids (the authority of story ids)
	Path string // "sources[baohagiang]", "sources[vov].url", "poll.interval"
	From string // old value, for changed
	To   string // new value, for changed
	Note string // what the admin should know of it, if anything
}

func (c Change) String() string {
	switch c.Kind {
	case "ids":
		return AuthorityChange(c.From, c.To)
	case "changed":
		return fmt.Sprintf("changed %s: %s → %s", c.Path, c.From, c.To)
	case "added":
		if c.Note != "" {
			return c.Kind + " " + c.Path + " (" + c.Note + ")"
		}
	}
	return c.Kind + " " + c.Path
}

// RestartOnly reports whether the setting at path, a Change's, is one a
// running daemon takes only at its next restart: where it listens, where
// its store is, and how it logs (KeepRestartOnly).
func RestartOnly(path string) bool {
	setting, _, _ := strings.Cut(path, ".")
	return setting == "listen" || setting == "data_dir" || setting == "log"
}

// KeepRestartOnly gives c the running config's values of the settings a
// running daemon takes only at its next restart (RestartOnly).
func (c *Config) KeepRestartOnly(running *Config) {
	c.Listen, c.DataDir, c.Log = running.Listen, running.DataDir, running.Log
}

// SplitRestart parts changes into those a reload makes and those only the
// next restart makes (RestartOnly), each in its order.
func SplitRestart(changes []Change) (reload, restart []Change) {
	for _, c := range changes {
		if RestartOnly(c.Path) {
			restart = append(restart, c)
		} else {
			reload = append(reload, c)
		}
	}
	return reload, restart
}

// Diff lists what changes from old to new: every story id, when their
// authority changes (with tag_authority, or without it from
// PublishedAuthority, which new should carry over from old); sources and
// categories (by id) added, removed or changed field by field; and every
// other setting changed.
func Diff(old, new *Config) []Change {
	var out []Change
	if from, to := old.Authority(), new.Authority(); from != to {
		out = append(out, Change{Kind: "ids", Path: "tag_authority", From: from, To: to})
	}
	ov, nv := reflect.ValueOf(*old), reflect.ValueOf(*new)
	t := ov.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name := yamlName(f)
		if name == "" {
			continue
		}
		switch name {
		case "sources":
			out = append(out, noteRenames(diffByID(name, ov.Field(i), nv.Field(i)), old, new)...)
		case "categories":
			out = append(out, noteCategoryRenames(diffByID(name, ov.Field(i), nv.Field(i)))...)
		default:
			out = append(out, diffValue(name, ov.Field(i), nv.Field(i))...)
		}
	}
	return out
}

// noteRenames notes on each source added with the URL of a source removed
// that it looks like a rename: the stories stored under the old id keep
// it, and the new id's first poll credits them to both.
func noteRenames(changes []Change, old, new *Config) []Change {
	removed := map[string]string{} // url → id
	for _, s := range old.Sources {
		if _, ok := new.Source(s.ID); !ok {
			removed[s.URL] = s.ID
		}
	}
	for i, c := range changes {
		if c.Kind != "added" {
			continue
		}
		id := strings.TrimSuffix(strings.TrimPrefix(c.Path, "sources["), "]")
		if s, ok := new.Source(id); ok && removed[s.URL] != "" {
			changes[i].Note = fmt.Sprintf("the url of removed source %s: renaming a source credits its stored stories to both ids; keep the old id", removed[s.URL])
		}
	}
	return changes
}

// noteCategoryRenames notes on each category added beside one removed that
// it does not take the removed one's stories: stories keep the categories
// they were stored with, so a renamed category starts empty, and its old
// feed answers 404 while the stories wait under the old id.
func noteCategoryRenames(changes []Change) []Change {
	var removed []string
	for _, c := range changes {
		if c.Kind == "removed" {
			removed = append(removed, strings.TrimSuffix(strings.TrimPrefix(c.Path, "categories["), "]"))
		}
	}
	if len(removed) == 0 {
		return changes
	}
	for i, c := range changes {
		if c.Kind == "added" {
			changes[i].Note = fmt.Sprintf("if it renames %s: it starts empty, and the stories stored under %s stay there, out of every feed but all, until %s is back; keep the old id and change the title", strings.Join(removed, " or "), strings.Join(removed, " or "), strings.Join(removed, " or "))
		}
	}
	return changes
}

// diffByID compares two lists of structs with an ID field, by id.
func diffByID(name string, old, new reflect.Value) []Change {
	index := func(list reflect.Value) (map[string]reflect.Value, []string) {
		m := make(map[string]reflect.Value, list.Len())
		var order []string
		for i := range list.Len() {
			id := list.Index(i).FieldByName("ID").String()
			m[id] = list.Index(i)
			order = append(order, id)
		}
		return m, order
	}
	om, oorder := index(old)
	nm, norder := index(new)
	var out []Change
	for _, id := range oorder {
		path := fmt.Sprintf("%s[%s]", name, id)
		nvv, ok := nm[id]
		if !ok {
			out = append(out, Change{Kind: "removed", Path: path})
			continue
		}
		out = append(out, diffValue(path, om[id], nvv)...)
	}
	for _, id := range norder {
		if _, ok := om[id]; !ok {
			out = append(out, Change{Kind: "added", Path: fmt.Sprintf("%s[%s]", name, id)})
		}
	}
	return out
}

// diffValue compares two values of one type, descending into structs.
func diffValue(path string, old, new reflect.Value) []Change {
	if old.Kind() == reflect.Struct && old.Type() != reflect.TypeFor[Duration]() {
		var out []Change
		t := old.Type()
		for i := range t.NumField() {
			name := yamlName(t.Field(i))
			if name == "" {
				continue
			}
			out = append(out, diffValue(path+"."+name, old.Field(i), new.Field(i))...)
		}
		return out
	}
	if reflect.DeepEqual(old.Interface(), new.Interface()) {
		return nil
	}
	from, to := show(old), show(new)
	if strings.HasPrefix(path, "sources[") && strings.HasSuffix(path, "].interval") {
		// A source's interval left out follows its rhythm (or
		// poll.interval), which "0s" would not say; elsewhere defaults
		// are filled in, and a 0s is the file's own ("no gap").
		unset := func(v reflect.Value) bool { d, ok := v.Interface().(Duration); return ok && d == 0 }
		if unset(old) {
			from = "unset"
		}
		if unset(new) {
			to = "unset"
		}
	}
	return []Change{{Kind: "changed", Path: path, From: from, To: to}}
}

func show(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case string:
		if x == "" {
			return `""`
		}
		return x
	case []string:
		return "[" + strings.Join(x, ", ") + "]"
	case Duration:
		return x.String()
	default:
		return fmt.Sprint(x)
	}
}

// yamlName is a field's key in the file; "" for fields that are not keys.
func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
}
