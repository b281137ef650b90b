package simclient

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
)

// LeaveMessage leaves a message while the person's request waits for an
// agent, with the assist's person token.
func (p *Person) LeaveMessage(ctx context.Context, text string) error {
	b, err := json.Marshal(map[string]string{"text": text})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", p.Base+"/api/v1/public/assists/"+p.AssistID+"/message", bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", p.Origin)
	req.Header.Set("Authorization", "Bearer "+p.Token)
	resp, err := p.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return &APIError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	return nil
}
