package server_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"citdesk"
	"citdesk/web"
)

// upload posts a file as the "photo" field of a multipart form.
func (b *browser) upload(path string, data []byte) response {
	b.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("photo", "photo.jpg")
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", b.e.Server.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.e.Server.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.send(req)
}

// TestCrisisPlanPhoto: the coordinator adds a photo to a plan; it is
// stored without the file's metadata, shown with the plan to those who may
// read the plan, each view audited, and to nobody else.
func TestCrisisPlanPhoto(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		coord := e.user("coord", citdesk.RoleCoordinator)
		e.user("ofc", citdesk.RoleOfficer)
		coordCtx := citdesk.NewContextWithActor(e.Op, citdesk.ActorFor(coord, "x"))
		p := &citdesk.Person{FirstName: "Robin", LastName: "Pictured", Address: "14 Elm St"}
		if err := e.DB.PersonService().CreatePerson(coordCtx, p); err != nil {
			t.Fatal(err)
		}
		today := citdesk.DateOf(e.Clock.Now(), e.Agency.Location())
		plan := &citdesk.CrisisPlan{PersonID: p.ID, Address: "14 Elm St", WhatHelps: "Quiet voice", ConsentDate: today, ConsentedBy: "Father"}
		if err := e.DB.CrisisPlanService().CreateCrisisPlan(coordCtx, plan); err != nil {
			t.Fatal(err)
		}
		planURL := fmt.Sprintf("/plans/%d", plan.ID)

		img := image.NewRGBA(image.Rect(0, 0, 20, 20))
		img.Set(5, 5, color.RGBA{255, 0, 0, 255})
		var raw bytes.Buffer
		jpeg.Encode(&raw, img, nil)
		b := raw.Bytes()
		exif := []byte("Exif\x00\x00GPSLatitude 38.1 N")
		photo := append(append(append([]byte{}, b[:2]...), append([]byte{0xFF, 0xE1, 0, byte(len(exif) + 2)}, exif...)...), b[2:]...)

		c := e.browser()
		c.login("coord")
		if res := c.upload(planURL+"/photo", []byte("not an image")); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "JPEG or PNG") {
			t.Fatalf("bad upload: %d", res.StatusCode)
		}
		if res := c.upload(planURL+"/photo", photo); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload: %d %s", res.StatusCode, res.Body)
		}
		page := c.get(planURL + "?notice=Photo+saved.")
		if !strings.Contains(page.Body, planURL+`/photo"`) || !strings.Contains(page.Body, "Photo saved.") {
			t.Fatal("plan page does not show the photo")
		}
		got := c.get(planURL + "/photo")
		if got.StatusCode != http.StatusOK || got.Header.Get("Content-Type") != "image/jpeg" || got.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("photo: %d %v", got.StatusCode, got.Header)
		}
		if strings.Contains(got.Body, "GPS") || strings.Contains(got.Body, "Exif") {
			t.Fatal("the stored photo kept its metadata")
		}
		if _, _, err := image.Decode(strings.NewReader(got.Body)); err != nil {
			t.Fatalf("stored photo does not decode: %v", err)
		}

		// An officer with no call at the address has no reason to see it.
		o := e.browser()
		o.login("ofc")
		if res := o.get(planURL + "/photo"); res.StatusCode != http.StatusNotFound {
			t.Fatalf("officer without a reason: %d", res.StatusCode)
		}
		if res := o.upload(planURL+"/photo", photo); res.StatusCode != http.StatusForbidden {
			t.Fatalf("officer upload: %d", res.StatusCode)
		}

		admin := e.user("boss", citdesk.RoleAdmin)
		events, err := e.DB.AuditService().ListAudit(citdesk.NewContextWithActor(e.Op, citdesk.ActorFor(admin, "x")), citdesk.AuditFilter{Action: "crisis_plan.photo_view"})
		if err != nil {
			t.Fatal(err)
		}
		outcomes := map[string]int{}
		for _, ev := range events {
			outcomes[ev.Outcome]++
		}
		if outcomes[citdesk.OutcomeSuccess] != 1 || outcomes[citdesk.OutcomeDenied] != 1 {
			t.Fatalf("photo view audit = %v", outcomes)
		}
	})
}
