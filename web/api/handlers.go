package api

type accountAPI struct{ *handler }

type callAPI struct{ *handler }

type encounterAPI struct{ *handler }

type figureAPI struct{ *handler }

type officerAPI struct{ *handler }

type personAPI struct{ *handler }

type referralAPI struct{ *handler }
