package ui

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"text/template/parse"
	"time"

	"citdesk"
	"citdesk/web"
)

//go:embed templates
var templateFS embed.FS

// view is what every page template receives.
type view struct {
	Title  string
	Actor  *citdesk.Actor
	Agency *citdesk.Agency
	Nav    []navItem
	// Admin is the nav's Admin section, for admins.
	Admin []navItem
	Path  string
	Data  any
	// Dark pages are read for hours in a dim room (the dispatch board).
	Dark bool
	// Public pages speak for the department: its name, not citdesk's,
	// heads them, linking to its CIT page.
	PublicName, PublicHome string
}

// publicPage is a public page's data, which names the department.
type publicPage interface {
	publicHeader() (name, home string)
}

type navItem struct {
	Label, Href string
}

func (s *handler) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": s.Assets.URL,
		"clock": func(t time.Time, loc *time.Location) string { return t.In(loc).Format("15:04") },
		"datetime": func(t time.Time, loc *time.Location) string {
			return t.In(loc).Format("Mon Jan 2, 2006 15:04")
		},
		"ago":     func(t time.Time) string { return ago(s.Now().Sub(t)) },
		"isoTime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"hasRole": func(a *citdesk.Actor, roles ...string) bool {
			if a == nil {
				return false
			}
			for _, r := range roles {
				if a.HasRole(citdesk.Role(r)) {
					return true
				}
			}
			return false
		},
		"pct":  func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
		"join": strings.Join,
		// thousands writes a count with thousands separators, as every
		// count on a page is written.
		"thousands": thousands,
		// complaintWord labels a complaint's kind, source, status or
		// disposition (complaints.go).
		"complaintWord": func(v any) string { return complaintWord(fmt.Sprint(v)) },
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		},
		"deref": func(p *float64) float64 {
			if p == nil {
				return 0
			}
			return *p
		},
	}
}

// ago says how long ago something was, for "time in status".
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

// partialsPage names the set of every partial, parsed on its own, for the
// fragments that no page template includes (writePartial).
const partialsPage = "partials"

// pageTemplates holds each page's template set, parsed when the page is
// first served. loadTemplates parses every set once at start-up, so a
// broken template, a missing one or a missing static file still stops
// start-up, and then lets the sets go: a server holds the parse trees of
// the pages people open, not of all 45 (about 3 MB of an idle server's
// 40; issue 12).
type pageTemplates struct {
	funcs template.FuncMap
	files map[string][]string // each set's files, its root first
	mu    sync.Mutex
	sets  map[string]*template.Template // the sets served so far
}

// lookup returns page name's template set, parsing it on first use.
func (p *pageTemplates) lookup(name string) (*template.Template, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.sets[name]; ok {
		return t, nil
	}
	files, ok := p.files[name]
	if !ok {
		return nil, fmt.Errorf("no page template %q", name)
	}
	t, err := p.parse(name, files)
	if err != nil {
		return nil, err
	}
	p.sets[name] = t
	return t, nil
}

// parse parses one set from its files: a page's is named after
// layout.html, which it executes; the partials' after partialsPage.
func (p *pageTemplates) parse(name string, files []string) (*template.Template, error) {
	root := "layout.html"
	if name == partialsPage {
		root = partialsPage
	}
	return template.New(root).Funcs(p.funcs).ParseFS(templateFS, files...)
}

// loadTemplates works out, for each page template under templates/pages/,
// the files of its set: layout.html, the page and the partials it uses;
// and for partialsPage every partial. It parses each set and checks the
// static files it names. A page's set holds only the partials its
// templates name, directly or through another partial: html/template
// keeps a parse tree per set, and the 45 pages each carrying all the
// partials made up most of the templates' memory. A page naming a
// template that is defined nowhere fails here, at start-up.
func (s *handler) loadTemplates() (*pageTemplates, error) {
	p := &pageTemplates{funcs: s.funcs(), files: make(map[string][]string), sets: make(map[string]*template.Template)}
	names, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	partialFiles, _ := fs.Glob(templateFS, "templates/partials/*.html")
	all, err := p.parse(partialsPage, partialFiles)
	if err != nil {
		return nil, fmt.Errorf("parse the partials: %w", err)
	}
	if err := s.checkAssets(all); err != nil {
		return nil, fmt.Errorf("partials: %w", err)
	}
	p.files[partialsPage] = partialFiles
	// definedIn is the partial file that defines each template name.
	definedIn := make(map[string]string)
	for _, f := range partialFiles {
		t, err := template.New(path.Base(f)).Funcs(p.funcs).ParseFS(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		for _, d := range t.Templates() {
			if d.Name() != path.Base(f) {
				definedIn[d.Name()] = f
			}
		}
	}
	for _, n := range names {
		page := strings.TrimSuffix(path.Base(n), ".html")
		files := []string{"templates/layout.html", n}
		t, err := p.parse(page, files)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		included := make(map[string]bool)
		for {
			var more []string
			for _, name := range undefinedTemplates(t) {
				f, ok := definedIn[name]
				if !ok {
					return nil, fmt.Errorf("%s: no template %q", n, name)
				}
				if !included[f] {
					included[f] = true
					more = append(more, f)
				}
			}
			if len(more) == 0 {
				break
			}
			if _, err := t.ParseFS(templateFS, more...); err != nil {
				return nil, fmt.Errorf("parse %s with %v: %w", n, more, err)
			}
			files = append(files, more...)
		}
		if err := s.checkAssets(t); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		p.files[page] = files
	}
	return p, nil
}

// undefinedTemplates lists the names t's templates invoke ({{template}})
// that t does not define, each once.
func undefinedTemplates(t *template.Template) []string {
	var missing []string
	seen := make(map[string]bool)
	walkTemplates(t, func(n parse.Node) error {
		if tn, ok := n.(*parse.TemplateNode); ok && !seen[tn.Name] {
			seen[tn.Name] = true
			if d := t.Lookup(tn.Name); d == nil || d.Tree == nil {
				missing = append(missing, tn.Name)
			}
		}
		return nil
	})
	return missing
}

// checkAssets fails when a template names a static file that is not there,
// so a typo in {{asset "…"}} stops start-up instead of a page.
func (s *handler) checkAssets(t *template.Template) error {
	return walkTemplates(t, func(n parse.Node) error {
		c, ok := n.(*parse.CommandNode)
		if !ok || len(c.Args) != 2 {
			return nil
		}
		id, isIdent := c.Args[0].(*parse.IdentifierNode)
		lit, isString := c.Args[1].(*parse.StringNode)
		if isIdent && isString && id.Ident == "asset" && !s.Assets.Has(lit.Text) {
			return fmt.Errorf("no static file %q", lit.Text)
		}
		return nil
	})
}

// walkTemplates calls visit with every node of every template in t's set,
// stopping at the first error.
func walkTemplates(t *template.Template, visit func(parse.Node) error) error {
	var walk func(n parse.Node) error
	walk = func(n parse.Node) error {
		if err := visit(n); err != nil {
			return err
		}
		switch n := n.(type) {
		case *parse.ListNode:
			for _, c := range n.Nodes {
				if err := walk(c); err != nil {
					return err
				}
			}
		case *parse.ActionNode:
			return walk(n.Pipe)
		case *parse.PipeNode:
			for _, c := range n.Cmds {
				if err := walk(c); err != nil {
					return err
				}
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				if err := walk(a); err != nil {
					return err
				}
			}
		case *parse.IfNode:
			return walkBranch(walk, &n.BranchNode)
		case *parse.RangeNode:
			return walkBranch(walk, &n.BranchNode)
		case *parse.WithNode:
			return walkBranch(walk, &n.BranchNode)
		case *parse.TemplateNode:
			if n.Pipe != nil {
				return walk(n.Pipe)
			}
		}
		return nil
	}
	for _, tt := range t.Templates() {
		if tt.Tree != nil && tt.Tree.Root != nil {
			if err := walk(tt.Tree.Root); err != nil {
				return err
			}
		}
	}
	return nil
}

// walkBranch walks the pipeline and both lists of an if, range or with.
func walkBranch(walk func(parse.Node) error, b *parse.BranchNode) error {
	if err := walk(b.Pipe); err != nil {
		return err
	}
	if b.List != nil {
		if err := walk(b.List); err != nil {
			return err
		}
	}
	if b.ElseList != nil {
		return walk(b.ElseList)
	}
	return nil
}

// localDay is today's date and the time zone in the actor's agency: the
// dates a page shows and compares are the agency's, not the server's.
func (s *handler) localDay(ctx context.Context) (citdesk.Date, *time.Location, error) {
	agency, err := s.AgencyOf(ctx)
	if err != nil {
		return citdesk.Date{}, nil, err
	}
	loc := agency.Location()
	return citdesk.DateOf(s.Now(), loc), loc, nil
}

// render writes a page in the layout. The page is rendered into a buffer
// first, so a template error gives a clean 500, not half a page.
func (s *handler) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	t, err := s.pages.lookup(name)
	if err != nil {
		s.Log.Error("render page: the template", "name", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	v := view{Title: title, Actor: web.SignedIn(r), Path: r.URL.Path, Data: data, Dark: name == "board"}
	if p, ok := data.(publicPage); ok {
		v.PublicName, v.PublicHome = p.publicHeader()
	}
	if v.Actor != nil {
		agency, err := s.AgencyOf(r.Context())
		if err != nil {
			s.Log.Error("render page: the agency", "name", name, "err", err)
			http.Error(w, "Internal error.", http.StatusInternalServerError)
			return
		}
		v.Agency, v.Nav, v.Admin = agency, navFor(v.Actor), adminNavFor(v.Actor)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.Log.Error("render page", "name", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderPartial writes one named template of a page without the layout,
// for htmx swaps.
func (s *handler) renderPartial(w http.ResponseWriter, r *http.Request, page, name string, data any) {
	s.writePartial(w, http.StatusOK, page, name, data)
}

// writePartial renders a page's named template into a buffer first, so a
// template error gives a clean 500 rather than half a fragment, then
// writes it with status.
func (s *handler) writePartial(w http.ResponseWriter, status int, page, name string, data any) {
	t, err := s.pages.lookup(page)
	if err != nil {
		s.Log.Error("render partial: the template", "page", page, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		s.Log.Error("render partial", "page", page, "name", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// navFor lists the pages the actor's roles open.
func navFor(a *citdesk.Actor) []navItem {
	nav := []navItem{{"Home", "/"}}
	if a.HasRole(citdesk.RoleDispatcher) {
		nav = append(nav, navItem{"Dispatch board", "/board"})
	}
	if a.OfficerID != nil {
		nav = append(nav, navItem{"My shift", "/me"})
	}
	if a.HasRole(citdesk.RosterRoles...) {
		nav = append(nav, navItem{"Roster", "/roster"}, navItem{"Coverage", "/roster/coverage"})
	}
	// Contact reports, review, repeat contacts and the liaison's caseload (issue 5).
	if citdesk.MayEver(a, citdesk.ReviewReport) {
		nav = append(nav, navItem{"Reports", "/reports"}, navItem{"Review queue", "/review"})
	} else if a.OfficerID != nil {
		nav = append(nav, navItem{"Reports", "/reports"})
	}
	if a.HasRole(citdesk.ReferralRoles...) {
		nav = append(nav, navItem{"Caseload", "/caseload"})
	}
	if a.HasRole(citdesk.ReferralRoles...) {
		nav = append(nav, navItem{"Repeat contacts", "/persons/repeat"})
	}
	// The community's complaints and commendations (issue 16).
	if citdesk.MayEver(a, citdesk.ReadComplaints) {
		nav = append(nav, navItem{"Complaints", "/complaints"})
	}
	// Outcome dashboards (issue 6).
	if a.HasRole(citdesk.OutcomeRoles...) {
		nav = append(nav, navItem{"Outcomes", "/outcomes"})
	}
	if a.UserID != 0 {
		nav = append(nav, navItem{"My account", "/account"})
	}
	return nav
}

// adminNavFor lists the admin's pages, shown as the nav's Admin section.
func adminNavFor(a *citdesk.Actor) []navItem {
	if !a.HasRole(citdesk.RoleAdmin) {
		return nil
	}
	return []navItem{{"Users", "/admin/users"}, {"Agency", "/admin/agency"}, {"Policy", "/admin/policy"},
		{"Dispositions", "/admin/dispositions"}, {"Triage", "/admin/triage"}, {"Mutual aid", "/admin/mutual-aid"}, {"Service accounts", "/admin/service-accounts"}, {"Webhooks", "/admin/webhooks"}, {"Audit", "/audit"}}
}

type errorView struct {
	Status  int
	Message string
}

// errorPage shows an error as a page; internal causes go to the log only.
func (s *handler) errorPage(w http.ResponseWriter, r *http.Request, err error) {
	code := citdesk.ErrorCode(err)
	status := web.StatusFor(code)
	switch code {
	case citdesk.EINTERNAL:
		s.Log.Error("internal error", "method", r.Method, "route", r.Pattern, "err", err)
	case citdesk.EUNAVAILABLE:
		s.Log.Warn("storage unavailable", "method", r.Method, "route", r.Pattern, "err", err)
		w.Header().Set("Retry-After", web.RetryAfter)
	}
	s.render(w, r, status, "error", http.StatusText(status), errorView{Status: status, Message: citdesk.ErrorMessage(err)})
}

type homeView struct {
	Roles []string
}

func (s *handler) home(w http.ResponseWriter, r *http.Request) {
	a := web.SignedIn(r)
	if a == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	// An officer on a phone goes straight to their shift page.
	if a.OfficerID != nil && len(a.Roles) == 1 {
		http.Redirect(w, r, "/me", http.StatusSeeOther)
		return
	}
	var roles []string
	for _, role := range a.Roles {
		roles = append(roles, string(role))
	}
	s.render(w, r, http.StatusOK, "home", "Home", homeView{Roles: roles})
}
