package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// Assets serves embedded static files under content-hashed URLs
// (/static/<hash>/app.css), so browsers may cache them forever and a new
// release is fetched at once.
type Assets struct {
	hash  map[string]string // file path under static/ → short content hash
	files fs.FS
}

func loadAssets() (*Assets, error) {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	a := &Assets{hash: make(map[string]string), files: sub}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.hash[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	return a, err
}

// URL returns the cache-forever URL of a static file, or an error naming a
// file that is not there. Page templates call it through "asset"; the pages
// package checks every literal name when it parses them, so a typo fails at
// start-up, and any other miss fails that one render cleanly.
func (a *Assets) URL(name string) (string, error) {
	h, ok := a.hash[name]
	if !ok {
		return "", fmt.Errorf("web: no static file %q", name)
	}
	return "/static/" + h + "/" + name, nil
}

// Has reports whether name is a static file.
func (a *Assets) Has(name string) bool { return a.hash[name] != "" }

func (c *Core) serveStatic(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/static/")
	hash, name, ok := strings.Cut(rest, "/")
	if !ok || c.Assets.hash[name] == "" {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(c.Assets.files, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if hash == c.Assets.hash[name] {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.Write(b)
}
