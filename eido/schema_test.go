package eido

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"citdesk"
)

func readSample(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/sample-call-transfer.eido.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSampleValidates: NENA's own sample is valid against the published
// schema once its one defect is patched.
func TestSampleValidates(t *testing.T) {
	if err := Validate(readSample(t)); err != nil {
		t.Fatalf("the NENA sample: %v %+v", err, err)
	}
}

// TestValidateNamesPointers: each error of an invalid document is named
// by the JSON pointer of the bad value.
func TestValidateNamesPointers(t *testing.T) {
	doc := string(readSample(t))
	doc = strings.Replace(doc, `"direction": "incoming"`, `"direction": "sideways"`, 1)
	doc = strings.Replace(doc, `"eidoVersion": "1.0"`, `"eidoVersion": "9.9"`, 1)
	doc = strings.Replace(doc, `"callStartTimestamp": "2021-04-30T14:40:00.0-04:00"`, `"callStartTimestamp": "yesterday"`, 1)
	err := Validate([]byte(doc))
	var ce *citdesk.Error
	if citdesk.ErrorCode(err) != citdesk.EINVALID {
		t.Fatalf("Validate = %v, want invalid", err)
	}
	ce = err.(*citdesk.Error)
	got := map[string]bool{}
	for _, f := range ce.Fields {
		got[f.Field] = true
	}
	for _, want := range []string{"/eidoVersion", "/callComponent/0/direction", "/callComponent/0/callStartTimestamp"} {
		if !got[want] {
			t.Errorf("no error at %s; got %+v", want, ce.Fields)
		}
	}
}

// TestPublishedDefectPatched: agentRoleRegistryText's minItems, which the
// published file spells "1,", is enforced as 1.
func TestPublishedDefectPatched(t *testing.T) {
	doc := regexp.MustCompile(`"agentRoleRegistryText":\s*\[[^\]]*\]`).ReplaceAllString(string(readSample(t)), `"agentRoleRegistryText": []`)
	err := Validate([]byte(doc))
	if citdesk.ErrorCode(err) != citdesk.EINVALID || !strings.Contains(citdesk.ErrorField(err), "/agentComponent/0/agentRoleRegistryText") {
		t.Errorf("an empty agentRoleRegistryText: %v, want invalid at /agentComponent/0/agentRoleRegistryText", err)
	}
}
