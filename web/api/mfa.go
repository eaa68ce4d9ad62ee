package api

import (
	"net/http"

	"citdesk"
	"citdesk/web"
)

// mfaIssuer names citdesk and the agency in authenticator apps.
func (s *accountAPI) mfaIssuer(r *http.Request) (string, error) {
	agency, err := s.AgencyOf(r.Context())
	if err != nil {
		return "", err
	}
	return "citdesk " + agency.Slug, nil
}

func (s *accountAPI) mfaStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Svc.MFA.Status(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, st)
	return nil
}

// beginTOTP offers the signed-in user a new authenticator-app secret.
func (s *accountAPI) beginTOTP(w http.ResponseWriter, r *http.Request) error {
	issuer, err := s.mfaIssuer(r)
	if err != nil {
		return err
	}
	e, err := s.Svc.MFA.BeginTOTP(r.Context(), issuer)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, e)
	return nil
}

type codeRequest struct {
	Code string `json:"code"`
}

// confirmTOTP turns the secret on offer into the user's second factor and
// answers the ten recovery codes, shown this once.
func (s *accountAPI) confirmTOTP(w http.ResponseWriter, r *http.Request) error {
	var req codeRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.Code == "" {
		return citdesk.FieldErrorf("code", "Code is required.")
	}
	codes, err := s.Svc.MFA.ConfirmTOTP(r.Context(), req.Code)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"recovery_codes": codes})
	return nil
}

type stepUpRequest struct {
	Password string `json:"password"`
	OTP      string `json:"otp"`
}

// stepUp re-checks password and second factor for the request's session
// or token, so sensitive actions are allowed for the next five minutes.
func (s *accountAPI) stepUp(w http.ResponseWriter, r *http.Request) error {
	var req stepUpRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.Password == "" {
		return citdesk.FieldErrorf("password", "Password is required.")
	}
	cred, ok := web.CredentialFrom(r.Context())
	if !ok {
		return citdesk.Errorf(citdesk.EUNAUTHORIZED, "You must sign in.")
	}
	if err := s.Svc.MFA.StepUp(r.Context(), cred.Secret, req.Password, req.OTP, false); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// resetFactors removes another user's second factors (admins, after a
// step-up); they enroll again at their next sign-in.
func (s *accountAPI) resetFactors(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Svc.MFA.ResetFactors(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
