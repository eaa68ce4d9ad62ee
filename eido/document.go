package eido

// The parts of an EIDO 1.0 document citdesk reads and writes. Fields
// citdesk has no use for are left out: reading ignores them (the schema
// has already checked them) and writing never needs them.

// Ref is a reference to another component by its $id.
type Ref struct {
	Ref string `json:"$ref"`
}

// Prologue starts every component.
type Prologue struct {
	ID              string `json:"$id"`
	LastUpdate      string `json:"lastUpdateTimeStamp"`
	UpdatedByAgency Ref    `json:"updatedByAgencyReference"`
	UpdatedByAgent  *Ref   `json:"updatedByAgentReference,omitempty"`
}

// Document is an Emergency Incident Data Object.
type Document struct {
	Prologue
	EIDOVersion        string               `json:"eidoVersion"`
	IssuingElement     string               `json:"issuingElementIdentification"`
	Incident           *IncidentComponent   `json:"incidentComponent,omitempty"`
	Calls              []CallComponent      `json:"callComponent,omitempty"`
	Callbacks          []CallbackComponent  `json:"callbackComponent,omitempty"`
	Dispatches         []DispatchComponent  `json:"dispatchComponent,omitempty"`
	Notes              []NotesComponent     `json:"notesComponent,omitempty"`
	EmergencyResources []ResourceComponent  `json:"emergencyResourceComponent,omitempty"`
	Agencies           []AgencyComponent    `json:"agencyComponent"`
	Agents             []AgentComponent     `json:"agentComponent,omitempty"`
	AdditionalData     []AdditionalDataComp `json:"additionalDataComponent,omitempty"`
	Locations          []LocationComponent  `json:"locationComponent,omitempty"`
	Persons            []PersonComponent    `json:"personComponent,omitempty"`
	Cautions           []CautionComponent   `json:"cautionComponent,omitempty"`
}

// IncidentComponent is general information about the incident.
type IncidentComponent struct {
	Prologue
	TypeInternalCode   string   `json:"incidentTypeInternalCode,omitempty"`
	TypeInternalText   string   `json:"incidentTypeInternalText,omitempty"`
	TypeCommonRegistry string   `json:"incidentTypeCommonRegistryText"`
	StatusInternalText []string `json:"incidentStatusInternalText,omitempty"`
	StatusCommon       []string `json:"incidentStatusCommonRegistryText,omitempty"`
	InternalIncidentID string   `json:"internalIncidentId,omitempty"`
	LocationRefs       []Ref    `json:"locationReference,omitempty"`
	PersonRefs         []Ref    `json:"personReference,omitempty"`
	PriorityInternal   string   `json:"incidentPriorityInternalText,omitempty"`
	NotesRefs          []Ref    `json:"notesReference,omitempty"`
}

// CallComponent is one call about the incident.
type CallComponent struct {
	Prologue
	QueueIdentifier       string `json:"queueIdentifier,omitempty"`
	StandardPrimaryType   string `json:"standardPrimaryCallType"`
	StandardSecondaryType string `json:"standardSecondaryCallType,omitempty"`
	LocalCallType         string `json:"localCallType,omitempty"`
	Direction             string `json:"direction"`
	AdditionalDataRefs    []Ref  `json:"additionalDataReference,omitempty"`
	StartTimestamp        string `json:"callStartTimestamp"`
	AnswerDate            string `json:"answerDate,omitempty"`
	State                 string `json:"callStateRegistryText"`
	CallBackRef           *Ref   `json:"callBackReference,omitempty"`
	LocationRefs          []Ref  `json:"locationReference,omitempty"`
	NotesRefs             []Ref  `json:"notesReference,omitempty"`
	PersonRefs            []Ref  `json:"personReference,omitempty"`
}

// CallbackComponent says how to call someone back.
type CallbackComponent struct {
	Prologue
	URIs []string `json:"callBackInformationUri,omitempty"`
}

// DispatchComponent is one dispatch of resources.
type DispatchComponent struct {
	Prologue
	AgencyRef    *Ref  `json:"agencyReference,omitempty"`
	ResourceRefs []Ref `json:"emergencyResourceReference,omitempty"`
}

// NotesComponent is a note (HTML5 text).
type NotesComponent struct {
	Prologue
	Comments string `json:"notesActionComments"`
}

// ResourceComponent is a unit sent to the incident.
type ResourceComponent struct {
	Prologue
	TypeCommonRegistry string   `json:"emergencyResourceTypeCommonRegistryText"`
	TypeInternal       string   `json:"emergencyResourceTypeInternalText,omitempty"`
	Attributes         []string `json:"resourceAttributeRegistryText"`
	AttributesInternal []string `json:"resourceAttributeInternalText,omitempty"`
	Name               string   `json:"emergencyResourceName,omitempty"`
	PrimaryStatus      string   `json:"primaryUnitStatusRegistryText"`
	SecondaryStatus    []string `json:"secondaryUnitStatusRegistryText"`
	StatusInternal     []string `json:"unitStatusInternal,omitempty"`
	AgentRefs          []Ref    `json:"agentReference"`
	ActiveOnIncident   string   `json:"activeOnIncidentId,omitempty"`
}

// AgencyComponent is an agency taking part.
type AgencyComponent struct {
	Prologue
	Roles      []string `json:"agencyRoleDescriptionRegistryText"`
	Types      []string `json:"agencyType"`
	OwnsIncdnt *bool    `json:"incidentOwningAgencyIndicator,omitempty"`
}

// AgentComponent is a person or system acting for an agency.
type AgentComponent struct {
	Prologue
	Roles     []string `json:"agentRoleRegistryText"`
	AgencyRef Ref      `json:"agencyReference"`
}

// AdditionalDataComp is additional data by value (an XML block such as
// EmergencyCallData.Comment).
type AdditionalDataComp struct {
	Prologue
	ByValue string `json:"additionalDataByValue,omitempty"`
}

// LocationComponent is a location: a PIDF-LO document by value, or a URL
// to dereference.
type LocationComponent struct {
	Prologue
	Type        string `json:"locationTypeDescriptionRegistryText"`
	ByValue     string `json:"locationByValue,omitempty"`
	ByReference string `json:"locationByReferenceUrl,omitempty"`
	Description string `json:"locationDescriptionText,omitempty"`
}

// PersonComponent is a person in the incident.
type PersonComponent struct {
	Prologue
	Person      *NCPerson `json:"ncPersonComponent,omitempty"`
	Roles       []string  `json:"personIncidentRoleRegistryText"`
	CallIDs     []string  `json:"callIdentifier,omitempty"`
	CallBackRef *Ref      `json:"callBackReference,omitempty"`
	// NotesRefs are notes "further describing the person": citdesk writes
	// the caller's relationship to the subject as one.
	NotesRefs []Ref `json:"notesReference,omitempty"`
}

// NCPerson is the NIEM person, of which citdesk reads and writes the name
// (of the caller) and the description (nc:PersonDescriptionText, of the
// subject).
type NCPerson struct {
	Name        []NCPersonName `json:"name,omitempty"`
	Description []NCText       `json:"description,omitempty"`
}

// CautionComponent raises attention to a circumstance that might threaten
// the safety of people or property: citdesk writes each risk its call
// screening answered yes as one.
type CautionComponent struct {
	Prologue
	InternalText   string   `json:"cautionTypeInternalText"`
	CommonRegistry string   `json:"cautionTypeCommonRegistryText"`
	SubRegistry    []string `json:"cautionTypeCommonSubRegistryText,omitempty"`
	Severity       string   `json:"cautionSeverity"` // highest, high, normal, low or lowest
	Source         string   `json:"cautionSource,omitempty"`
}

// NCPersonName is a NIEM person name.
type NCPersonName struct {
	Given []NCText `json:"personGivenName,omitempty"`
	Sur   []NCText `json:"personSurName,omitempty"`
	Full  []NCText `json:"personFullName,omitempty"`
}

// NCText is a NIEM text value.
type NCText struct {
	Value string `json:"value"`
}
