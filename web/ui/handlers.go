package ui

// One handler type per screen, each over the shared handler, so no type
// gathers every page (the review counted 194 methods on one server type).
type (
	signinPages    struct{ *handler } // sign-in and sign-out (signin.go)
	mfaPages       struct{ *handler } // second factors, the second sign-in step, step-up (mfa.go)
	publicPages    struct{ *handler } // /cit and the public dashboard (public.go, public_dashboard.go)
	boardPages     struct{ *handler } // the dispatch board (board.go)
	shiftPages     struct{ *handler } // the officer's phone page (shift.go, shift_assignment.go)
	rosterPages    struct{ *handler } // roster, training, coverage, imports (roster.go)
	reportPages    struct{ *handler } // contact reports and review (reports.go)
	personPages    struct{ *handler } // persons and crisis plans (persons.go, plan_photo.go)
	caseloadPages  struct{ *handler } // the liaison's referrals (caseload.go)
	dashboardPages struct{ *handler } // outcomes and the monthly report (dashboard.go, monthly_report.go)
	auditPages     struct{ *handler } // the audit trail (audit.go)
	accountPages   struct{ *handler } // own password and sessions; the admin's users (account.go, admin_users.go)
	adminPages     struct{ *handler } // the agency's settings, policy and disposition mapping (admin.go)

	serviceAccountPages struct{ *handler } // the admin's service accounts and tokens (serviceaccounts.go)
	webhookPages        struct{ *handler } // the admin's webhooks, deliveries and dead letters (webhooks.go)
	complaintPages      struct{ *handler } // complaints and commendations (complaints.go, public_complaint.go)
)
