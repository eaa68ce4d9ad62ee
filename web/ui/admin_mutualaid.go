package ui

import (
	"net/http"
	"slices"

	"citdesk"
)

// The admin's mutual-aid page (/admin/mutual-aid): which agencies of this
// citdesk may see this agency's CIT officers' availability (duty status,
// position, CIT standing; the call sign, or the name where "show names"
// is ticked), and which agencies share theirs with it. Sharing is the
// lender's choice alone: a partner sharing back is its own admin's.

// aidPartnerRow is one other agency on the page.
type aidPartnerRow struct {
	Slug, Name        string
	Shared, ShowNames bool // this agency lends to it
	SharesWithUs      bool // it lends to this agency
}

// aidAdminView is the page.
type aidAdminView struct {
	Agencies []aidPartnerRow
	Notice   string
	Error    string
}

func (s *adminPages) mutualAidView(r *http.Request) (*aidAdminView, error) {
	all, err := s.Svc.MutualAid.Candidates(r.Context())
	if err != nil {
		return nil, err
	}
	sh, err := s.Svc.MutualAid.Sharing(r.Context())
	if err != nil {
		return nil, err
	}
	v := &aidAdminView{Notice: queryNotice(r)}
	for _, a := range all {
		row := aidPartnerRow{Slug: a.Slug, Name: a.Name}
		if i := slices.IndexFunc(sh.SharesWith, func(p citdesk.Partner) bool { return p.Slug == a.Slug }); i >= 0 {
			row.Shared, row.ShowNames = true, sh.SharesWith[i].ShowNames
		}
		row.SharesWithUs = slices.ContainsFunc(sh.SharedWithUs, func(p citdesk.Partner) bool { return p.Slug == a.Slug })
		v.Agencies = append(v.Agencies, row)
	}
	return v, nil
}

func (s *adminPages) mutualAidPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.mutualAidView(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "admin_mutual_aid", "Mutual aid", v)
	return nil
}

func (s *adminPages) saveMutualAid(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	shares := []citdesk.PartnerShare{}
	for _, slug := range r.PostForm["share"] {
		shares = append(shares, citdesk.PartnerShare{Slug: slug, ShowNames: slices.Contains(r.PostForm["show_names"], slug)})
	}
	_, err := s.Svc.MutualAid.SetSharing(r.Context(), shares)
	if code := citdesk.ErrorCode(err); err != nil && (code == citdesk.EINVALID || code == citdesk.ECONFLICT) {
		v, verr := s.mutualAidView(r)
		if verr != nil {
			return verr
		}
		v.Error = citdesk.ErrorMessage(err)
		s.render(w, r, http.StatusUnprocessableEntity, "admin_mutual_aid", "Mutual aid", v)
		return nil
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/mutual-aid?notice=Saved.", http.StatusSeeOther)
	return nil
}
