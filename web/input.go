// The check every request's text passes before a handler sees it.

package web

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"citdesk"
)

// checkInput refuses a request whose query string or form (URL-encoded or
// multipart; file contents aside) holds text no field may hold — NUL and
// the other control characters, tabs and line breaks outside multi-line
// fields, invalid UTF-8 — with 422 naming the parameter. It runs for
// every route, so no handler can forget; JSON bodies get the same check
// in DecodeJSON. A form it parses stays parsed for the handler.
func (c *Core) checkInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := CheckValues(r.URL.Query()); err != nil {
			c.refuseInput(w, r, err)
			return
		}
		err := checkForm(r, c.Cfg.MaxBody)
		if r.MultipartForm != nil {
			// The server cleans up after the request it made, not this
			// copy of it: remove the form's temporary files here.
			defer r.MultipartForm.RemoveAll()
		}
		if err != nil {
			c.refuseInput(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// refuseInput answers a refused request: problem+json for the API, the
// pages' error page (ErrorPage) for everything else.
func (c *Core) refuseInput(w http.ResponseWriter, r *http.Request, err error) {
	if c.ErrorPage != nil && r.URL.Path != "/api" && !strings.HasPrefix(r.URL.Path, "/api/") {
		c.ErrorPage(w, r, err)
		return
	}
	c.Problem(w, r, err)
}

// checkForm parses a URL-encoded or multipart body and checks its values.
// A body that cannot be parsed is refused here: a second ParseForm in the
// handler would see an empty form and no error.
func checkForm(r *http.Request, maxMemory int64) error {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	switch ct {
	case "application/x-www-form-urlencoded":
		err = r.ParseForm()
	case "multipart/form-data":
		err = r.ParseMultipartForm(maxMemory)
	default:
		return nil
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return citdesk.Errorf(citdesk.ETOOLARGE, "The request body is larger than %d bytes.", tooBig.Limit)
		}
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	if err := CheckValues(r.PostForm); err != nil {
		return err
	}
	if r.MultipartForm != nil {
		return CheckValues(r.MultipartForm.Value)
	}
	return nil
}

// sanitizedParams are parameters whose reader cleans them rather than
// storing them: next, the page to return to after sign-in, falls back to
// the home page when it holds a control character (ui.safeNext), so a
// mangled link still signs the user in.
var sanitizedParams = map[string]bool{"next": true}

// CheckValues checks the names and values of a query string or form with
// citdesk.CheckText, each value under its parameter's name, in name order
// so the same request always names the same parameter.
func CheckValues(vs url.Values) error {
	names := make([]string, 0, len(vs))
	for name := range vs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if sanitizedParams[name] {
			continue
		}
		if err := citdesk.CheckText("", name); err != nil {
			return citdesk.FieldErrorf("", "A parameter name holds a control character or invalid text.")
		}
		for _, v := range vs[name] {
			if err := citdesk.CheckText(name, v); err != nil {
				return err
			}
		}
	}
	return nil
}
