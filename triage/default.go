package triage

// Default returns the protocol a new agency starts with, after the public
// call-triage guides (for example the CSG Justice Center's): safety first
// (a weapon, violence), then imminent suicide risk, medical need and
// substances, then who is calling and whether the place is safe for a
// crisis team without police. A call with no danger, from the person or
// someone close to them, in a safe place goes to 988 or mobile crisis; an
// unknown answer is read as the cautious one. The admin edits it as the
// agency's own.
func Default() Protocol {
	yn := func(yes, no, unknown Answer) []Answer {
		yes.Value, yes.Label = "yes", "Yes"
		no.Value, no.Label = "no", "No"
		unknown.Value, unknown.Label = "unknown", "Unknown"
		return []Answer{yes, no, unknown}
	}
	next := func(id string) Answer { return Answer{Next: id} }
	resp := func(r Response) Answer { return Answer{Response: r} }
	return Protocol{
		Start: "weapon",
		Questions: []Question{
			{ID: "weapon", Text: "Does the person have a weapon, or one within reach?", Risk: "weapons",
				Answers: yn(next("violence_armed"), next("violence"), next("violence_armed"))},
			{ID: "violence_armed", Text: "Is the person violent, or threatening violence, now?", Risk: "violence",
				Answers: yn(resp(Patrol), resp(CIT), resp(Patrol))},
			{ID: "violence", Text: "Is the person violent, or threatening violence, now?", Risk: "violence",
				Answers: yn(resp(CIT), next("suicide"), resp(CIT))},
			{ID: "suicide", Text: "Is there imminent suicide risk: a plan with the means at hand, or an attempt under way?", Risk: "suicide_risk",
				Answers: yn(resp(CoResponse), next("medical"), resp(CoResponse))},
			{ID: "medical", Text: "Does anyone need medical care now (injury, overdose, unconscious)?", Risk: "medical",
				Answers: yn(resp(EMS), next("substances"), next("substances"))},
			{ID: "substances", Text: "Is the person intoxicated, or using drugs or alcohol, now?", Risk: "substances",
				Answers: yn(resp(CoResponse), next("caller"), next("caller"))},
			{ID: "caller", Text: "Who is calling?", Answers: []Answer{
				{Value: "self", Label: "The person in crisis", Next: "location"},
				{Value: "family", Label: "Family or a friend", Next: "location"},
				{Value: "professional", Label: "A clinician, case manager or school", Next: "location"},
				{Value: "third_party", Label: "A bystander or stranger", Response: CIT},
			}},
			{ID: "location", Text: "Is the place safe for a crisis team without police?", Answers: []Answer{
				{Value: "safe", Label: "Safe", Response: Transfer988},
				{Value: "unsafe", Label: "Not safe", Response: CoResponse},
				{Value: "unknown", Label: "Unknown", Response: CoResponse},
			}},
		},
	}
}
