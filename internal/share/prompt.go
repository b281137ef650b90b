package share

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// prompter asks the person at the host a yes/no question on their
// terminal. While a question is open, their keystrokes answer it instead of
// going to the shared program.
type prompter struct {
	out io.Writer

	mu     sync.Mutex
	answer chan byte // non-nil while a question is open
	ask    sync.Mutex
}

func newPrompter(out io.Writer) *prompter { return &prompter{out: out} }

// take returns the part of p that goes to the program; a key that answers
// an open question is taken out.
func (p *prompter) take(b []byte) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.answer == nil || len(b) == 0 {
		return b
	}
	select {
	case p.answer <- b[0]:
		p.answer = nil
	default:
	}
	return b[1:]
}

// yesNo shows question and waits for y or n (anything else is no).
func (p *prompter) yesNo(ctx context.Context, question string) bool {
	p.ask.Lock()
	defer p.ask.Unlock()
	ch := make(chan byte, 1)
	p.mu.Lock()
	p.answer = ch
	p.mu.Unlock()
	fmt.Fprintf(p.out, "\r\n\x1b[7m tandem \x1b[0m %s [y/n] ", question)
	select {
	case c := <-ch:
		yes := c == 'y' || c == 'Y'
		if yes {
			fmt.Fprint(p.out, "yes\r\n")
		} else {
			fmt.Fprint(p.out, "no\r\n")
		}
		return yes
	case <-ctx.Done():
		p.mu.Lock()
		p.answer = nil
		p.mu.Unlock()
		fmt.Fprint(p.out, "(gone)\r\n")
		return false
	}
}
