package ui

type auditPages struct{ *handler }

type boardPages struct{ *handler }

type caseloadPages struct{ *handler }

type dashboardPages struct{ *handler }

type personPages struct{ *handler }

type publicPages struct{ *handler }

type reportPages struct{ *handler }

type rosterPages struct{ *handler }

type shiftPages struct{ *handler }

type signinPages struct{ *handler }
