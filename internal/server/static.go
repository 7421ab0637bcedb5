package server

import (
	"embed"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"

	"github.com/cespare/xxhash/v2"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded static file, served with a content hash as its ETag.
type asset struct {
	body        []byte
	hash        string
	contentType string
}

// assets holds every file under static/, by name. Pages link them as
// /static/NAME?v=HASH, so a new build's CSS is fetched at once while an
// unchanged one stays cached for a year.
var assets = func() map[string]asset {
	m := map[string]asset{}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic(fmt.Sprintf("server: reading embedded static files: %v", err))
	}
	for _, e := range entries {
		body, err := staticFS.ReadFile(path.Join("static", e.Name()))
		if err != nil {
			panic(fmt.Sprintf("server: reading embedded %s: %v", e.Name(), err))
		}
		m[e.Name()] = asset{
			body:        body,
			hash:        fmt.Sprintf("%016x", xxhash.Sum64(body)),
			contentType: mime.TypeByExtension(path.Ext(e.Name())),
		}
	}
	return m
}()

// assetURL is the address a page links the static file name with.
func assetURL(name string) string {
	a, ok := assets[name]
	if !ok {
		panic("server: no static file " + name)
	}
	return "/static/" + name + "?v=" + a.hash
}

func handleStatic(w http.ResponseWriter, r *http.Request) {
	a, ok := assets[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	etag := `"` + a.hash + `"`
	h.Set("ETag", etag)
	h.Set("Content-Type", a.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == a.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=300")
	}
	if m := r.Header.Get("If-None-Match"); m != "" && etagMatches(m, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(a.body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(a.body)
}
