package api

// One handler type per resource, each over the shared handler, so no type
// gathers the whole API.
type (
	accountAPI   struct{ *handler } // tokens, me, second factors, step-up, users, audit (accounts.go, mfa.go)
	officerAPI   struct{ *handler } // officers, training, status, coverage (officers.go)
	callAPI      struct{ *handler } // calls, recommendations, assignments (calls.go)
	encounterAPI struct{ *handler } // contact reports and review (encounters.go)
	personAPI    struct{ *handler } // persons, repeat contacts, crisis plans (persons.go)
	referralAPI  struct{ *handler } // referrals to the liaison (referrals.go)
	figureAPI    struct{ *handler } // outcome figures (outcomes.go)
	geocodeAPI   struct{ *handler } // address lookup (geocode.go)
	mapAPI       struct{ *handler } // basemap tiles (maptiles.go)
	agencyAPI    struct{ *handler } // the agency's settings and policy (agency.go)

	serviceAccountAPI struct{ *handler } // service accounts and their tokens (serviceaccounts.go)
	eidoAPI           struct{ *handler } // NENA EIDO in and out (eido.go)
	webhookAPI        struct{ *handler } // webhook subscriptions and deliveries (webhooks.go)
	positionAPI       struct{ *handler } // the AVL feed's positions (positions.go)
	triageAPI         struct{ *handler } // the call-triage protocol (triage.go)
	complaintAPI      struct{ *handler } // complaints and commendations (complaints.go)
	liaisonAPI        struct{ *handler } // the liaison's status and calls: co-response (liaisons.go)
)
