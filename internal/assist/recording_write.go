package assist

import (
	"bufio"
	"encoding/json"
	"fmt"
)

// WriteRecording writes a recording as GET /api/v1/assists/{id}/recording
// answers it (docs/api.md), after head (the {"assist":…} object): with lines,
// one JSON object a line (NDJSON) ending with {"end":{"frames":N}};
// otherwise the JSON document {"assist":…,"frames":[…]}. It counts the frames
// written in n. enc must encode to bw. The video renderer reads the NDJSON
// form.
func WriteRecording(bw *bufio.Writer, enc *json.Encoder, head map[string]any, rec *RecordingReader, lines bool, n *int) error {
	if lines {
		if err := enc.Encode(head); err != nil {
			return fmt.Errorf("writing the assist: %w", err)
		}
	} else {
		// {"assist":…,"frames":[ — the head's encoding without its "}".
		b, err := json.Marshal(head)
		if err != nil {
			return fmt.Errorf("encoding the assist: %w", err)
		}
		bw.Write(b[:len(b)-1])
		bw.WriteString(`,"frames":[`)
	}
	err := rec.Each(func(f *RecordedFrame) error {
		if !lines && *n > 0 {
			bw.WriteByte(',')
		}
		*n++
		return enc.Encode(f)
	})
	if err != nil {
		return err
	}
	if lines {
		return enc.Encode(map[string]any{"end": map[string]int{"frames": *n}})
	}
	_, err = bw.WriteString("]}\n")
	return err
}
