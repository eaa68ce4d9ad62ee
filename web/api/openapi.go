package api

import (
	_ "embed"
	"net/http"
)

// openAPIDoc describes the JSON API. Tests check real responses against it.
//
//go:embed openapi.json
var openAPIDoc []byte

func (s *handler) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDoc)
}
