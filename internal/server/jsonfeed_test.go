package server

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"
)

// TestJSONFeedConformance checks live JSON Feed responses against the JSON
// Feed 1.1 specification (https://jsonfeed.org/version/1.1): required keys,
// the type of every key, absolute URLs, RFC 3339 dates, and no key outside
// the specification unless it is an extension (leading underscore).
func TestJSONFeedConformance(t *testing.T) {
	fs := newFeedSite(t, "websub: {hub: \"https://hub.example.vn/\"}\n")
	fs.fill(t)
	paths := []string{
		"/feeds/all.json", "/feeds/du-lich.json", "/feeds/thoi-su.json?limit=1",
		"/feeds/the-thao.json", "/feeds/all.json?since=" + url.QueryEscape(emptyCursor(t, fs)),
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			resp, body := fs.get(t, "GET", p)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/feed+json; charset=utf-8" {
				t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			var doc map[string]any
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			for _, problem := range checkJSONFeed(doc, fs.srv.URL+p) {
				t.Error(problem)
			}
		})
	}
}

func emptyCursor(t *testing.T, fs *feedSite) string {
	resp, _ := fs.get(t, "GET", "/feeds/all.json")
	return resp.Header.Get(headerCursor)
}

// checkJSONFeed lists what in doc breaks JSON Feed 1.1; self is the URL the
// document was fetched from.
func checkJSONFeed(doc map[string]any, self string) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if doc["version"] != "https://jsonfeed.org/version/1.1" {
		bad("version = %v", doc["version"])
	}
	feedKeys := map[string]func(string, any){
		"version":       func(string, any) {},
		"title":         requireString(bad, true),
		"home_page_url": requireURL(bad),
		"feed_url":      requireURL(bad),
		"description":   requireString(bad, false),
		"user_comment":  requireString(bad, false),
		"next_url":      requireURL(bad),
		"icon":          requireURL(bad),
		"favicon":       requireURL(bad),
		"authors":       requireAuthors(bad),
		"language":      requireString(bad, true),
		"expired":       func(k string, v any) { _, ok := v.(bool); mustf(bad, ok, "%s: not a boolean", k) },
		"hubs": func(k string, v any) {
			list, ok := v.([]any)
			mustf(bad, ok, "%s: not an array", k)
			for i, h := range list {
				m, ok := h.(map[string]any)
				mustf(bad, ok, "%s[%d]: not an object", k, i)
				requireString(bad, true)(fmt.Sprintf("%s[%d].type", k, i), m["type"])
				requireURL(bad)(fmt.Sprintf("%s[%d].url", k, i), m["url"])
			}
		},
		"items": func(string, any) {},
	}
	checkKeys(bad, "feed", doc, feedKeys)
	if _, ok := doc["title"]; !ok {
		bad("title missing")
	}
	if doc["feed_url"] != self {
		bad("feed_url = %v, want the URL fetched, %s", doc["feed_url"], self)
	}
	items, ok := doc["items"].([]any)
	if !ok {
		bad("items missing or not an array")
	}
	itemKeys := map[string]func(string, any){
		"id":             requireString(bad, true),
		"url":            requireURL(bad),
		"external_url":   requireURL(bad),
		"title":          requireString(bad, false),
		"content_html":   requireString(bad, false),
		"content_text":   requireString(bad, false),
		"summary":        requireString(bad, false),
		"image":          requireURL(bad),
		"banner_image":   requireURL(bad),
		"date_published": requireDate(bad),
		"date_modified":  requireDate(bad),
		"authors":        requireAuthors(bad),
		"tags": func(k string, v any) {
			list, ok := v.([]any)
			mustf(bad, ok, "%s: not an array", k)
			for i, tag := range list {
				requireString(bad, true)(fmt.Sprintf("%s[%d]", k, i), tag)
			}
		},
		"language": requireString(bad, true),
		"attachments": func(k string, v any) {
			list, ok := v.([]any)
			mustf(bad, ok, "%s: not an array", k)
			for i, a := range list {
				m, ok := a.(map[string]any)
				mustf(bad, ok, "%s[%d]: not an object", k, i)
				p := fmt.Sprintf("%s[%d]", k, i)
				checkKeys(bad, p, m, map[string]func(string, any){
					"url":                 requireURL(bad),
					"mime_type":           requireString(bad, true),
					"title":               requireString(bad, false),
					"size_in_bytes":       requireNumber(bad),
					"duration_in_seconds": requireNumber(bad),
				})
				for _, req := range []string{"url", "mime_type"} {
					if _, ok := m[req]; !ok {
						bad("%s.%s missing", p, req)
					}
				}
			}
		},
	}
	ids := map[string]bool{}
	for i, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			bad("items[%d]: not an object", i)
			continue
		}
		p := fmt.Sprintf("items[%d]", i)
		checkKeys(bad, p, m, itemKeys)
		id, _ := m["id"].(string)
		if id == "" {
			bad("%s.id missing or empty", p)
		}
		if ids[id] {
			bad("%s.id %q repeats an earlier item", p, id)
		}
		ids[id] = true
		_, html := m["content_html"]
		_, text := m["content_text"]
		if !html && !text {
			bad("%s: neither content_html nor content_text", p)
		}
	}
	return problems
}

// checkKeys runs the check of every key of m and reports keys the
// specification does not define and that are not extensions.
func checkKeys(bad func(string, ...any), path string, m map[string]any, checks map[string]func(string, any)) {
	for k, v := range m {
		if len(k) > 0 && k[0] == '_' {
			if _, ok := v.(map[string]any); !ok {
				bad("%s.%s: an extension must be an object", path, k)
			}
			continue
		}
		check, ok := checks[k]
		if !ok {
			bad("%s.%s: not a JSON Feed 1.1 key", path, k)
			continue
		}
		check(path+"."+k, v)
	}
}

func mustf(bad func(string, ...any), ok bool, format string, args ...any) {
	if !ok {
		bad(format, args...)
	}
}

func requireString(bad func(string, ...any), nonEmpty bool) func(string, any) {
	return func(k string, v any) {
		s, ok := v.(string)
		mustf(bad, ok, "%s: not a string: %v", k, v)
		mustf(bad, !nonEmpty || s != "", "%s: empty", k)
	}
}

func requireURL(bad func(string, ...any)) func(string, any) {
	return func(k string, v any) {
		s, _ := v.(string)
		u, err := url.Parse(s)
		mustf(bad, err == nil && u.IsAbs() && u.Host != "", "%s: not an absolute URL: %v", k, v)
	}
}

func requireDate(bad func(string, ...any)) func(string, any) {
	return func(k string, v any) {
		s, _ := v.(string)
		_, err := time.Parse(time.RFC3339, s)
		mustf(bad, err == nil, "%s: not an RFC 3339 date: %v", k, v)
	}
}

func requireNumber(bad func(string, ...any)) func(string, any) {
	return func(k string, v any) {
		_, ok := v.(float64)
		mustf(bad, ok, "%s: not a number: %v", k, v)
	}
}

func requireAuthors(bad func(string, ...any)) func(string, any) {
	return func(k string, v any) {
		list, ok := v.([]any)
		mustf(bad, ok, "%s: not an array", k)
		for i, a := range list {
			m, ok := a.(map[string]any)
			mustf(bad, ok, "%s[%d]: not an object", k, i)
			p := fmt.Sprintf("%s[%d]", k, i)
			checkKeys(bad, p, m, map[string]func(string, any){
				"name": requireString(bad, true), "url": requireURL(bad), "avatar": requireURL(bad),
			})
			mustf(bad, m["name"] != nil || m["url"] != nil || m["avatar"] != nil, "%s: no name, url or avatar", p)
		}
	}
}

// TestCheckJSONFeed makes sure the checker above fails what it must.
func TestCheckJSONFeed(t *testing.T) {
	tests := []struct {
		name string
		doc  string
	}{
		{"no items", `{"version":"https://jsonfeed.org/version/1.1","title":"T","feed_url":"http://x/f"}`},
		{"empty id", `{"version":"https://jsonfeed.org/version/1.1","title":"T","feed_url":"http://x/f","items":[{"id":"","content_html":"x"}]}`},
		{"1.0 author", `{"version":"https://jsonfeed.org/version/1.1","title":"T","feed_url":"http://x/f","author":{"name":"a"},"items":[]}`},
		{"no content", `{"version":"https://jsonfeed.org/version/1.1","title":"T","feed_url":"http://x/f","items":[{"id":"1"}]}`},
		{"relative url", `{"version":"https://jsonfeed.org/version/1.1","title":"T","feed_url":"http://x/f","items":[{"id":"1","content_text":"x","url":"/a"}]}`},
		{"attachment size", `{"version":"https://jsonfeed.org/version/1.1","title":"T","feed_url":"http://x/f","items":[{"id":"1","content_text":"x","attachments":[{"url":"http://x/a.mp3","mime_type":"audio/mpeg","size":3}]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal([]byte(tt.doc), &doc); err != nil {
				t.Fatal(err)
			}
			if len(checkJSONFeed(doc, "http://x/f")) == 0 {
				t.Error("no problem found")
			}
		})
	}
}
