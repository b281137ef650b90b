package record

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// A framed entry is the uvarint length of the rest, the receive time as
// 8 bytes of big-endian unix milliseconds, then the frame itself.
const timeBytes = 8

// MaxFrameBytes bounds one framed entry; a longer length in a recording
// means it is corrupt rather than that a huge allocation is wanted.
const MaxFrameBytes = 64 << 20

// ErrCorrupt is wrapped by every error ReadFrames returns for input that is
// not a sequence of whole entries.
var ErrCorrupt = errors.New("corrupt recording")

// appendFrame appends the entry for frame received at at to dst.
func appendFrame(dst []byte, at time.Time, frame []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(timeBytes+len(frame)))
	dst = binary.BigEndian.AppendUint64(dst, uint64(at.UnixMilli()))
	return append(dst, frame...)
}

// frameSize is the length of frame's entry.
func frameSize(frame []byte) int {
	n := timeBytes + len(frame)
	return uvarintLen(uint64(n)) + n
}

// AppendFrame writes one entry for frame, received at at, to w in a single
// Write call, so that a record.Writer never splits it across chunks.
func AppendFrame(w io.Writer, at time.Time, frame []byte) error {
	if len(frame) > MaxFrameBytes-timeBytes {
		return fmt.Errorf("recording a frame of %d bytes: over the limit of %d", len(frame), MaxFrameBytes)
	}
	buf := appendFrame(make([]byte, 0, frameSize(frame)), at, frame)
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("recording a frame: %w", err)
	}
	return nil
}

// ReadFrames calls fn for each entry of r in order, until r ends, fn returns
// an error (which ReadFrames returns), or the input turns out to be corrupt
// (an error wrapping ErrCorrupt). The frame passed to fn is only valid
// during the call.
func ReadFrames(r io.Reader, fn func(at time.Time, frame []byte) error) error {
	br := bufio.NewReader(r)
	var buf []byte
	var offset int64
	for i := 0; ; i++ {
		n, err := readUvarint(br)
		if errors.Is(err, io.EOF) {
			return nil // a clean end between entries
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: entry %d at byte %d: truncated length", ErrCorrupt, i, offset)
		}
		if errors.Is(err, errOverflow) {
			return fmt.Errorf("%w: entry %d at byte %d: bad length", ErrCorrupt, i, offset)
		}
		if err != nil {
			return fmt.Errorf("reading entry %d of recording: %w", i, err)
		}
		if n < timeBytes || n > MaxFrameBytes {
			return fmt.Errorf("%w: entry %d at byte %d: length %d out of range", ErrCorrupt, i, offset, n)
		}
		if cap(buf) < int(n) {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(br, buf); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("%w: entry %d at byte %d: truncated, want %d bytes", ErrCorrupt, i, offset, n)
			}
			return fmt.Errorf("reading entry %d of recording: %w", i, err)
		}
		offset += int64(uvarintLen(n)) + int64(n)
		at := time.UnixMilli(int64(binary.BigEndian.Uint64(buf)))
		if err := fn(at, buf[timeBytes:]); err != nil {
			return err
		}
	}
}

func uvarintLen(n uint64) int {
	size := 1
	for ; n >= 0x80; n >>= 7 {
		size++
	}
	return size
}

var errOverflow = errors.New("varint overflows 64 bits")

// readUvarint is binary.ReadUvarint, except that it tells an end of input
// inside the number (io.ErrUnexpectedEOF) and an overflow apart from other
// read errors.
func readUvarint(r io.ByteReader) (uint64, error) {
	var x uint64
	var s uint
	for i := range binary.MaxVarintLen64 {
		b, err := r.ReadByte()
		if err != nil {
			if i > 0 && errors.Is(err, io.EOF) {
				return 0, io.ErrUnexpectedEOF
			}
			return 0, err
		}
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				return 0, errOverflow
			}
			return x | uint64(b)<<s, nil
		}
		x |= uint64(b&0x7f) << s
		s += 7
	}
	return 0, errOverflow
}
