package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// logBuffer gathers the server's log lines and writes them in batches:
// one line a request, each its own write system call, cost a busy server
// some 5% of its time. Lines go out when logFlushEvery has passed since
// the first one waiting, when logBufferSize bytes are waiting, at once
// for a record at WARN or above (see flushOnWarn), and when the server
// stops (Close). A crash loses at most the last logFlushEvery of INFO
// lines; warnings and errors are never held.
type logBuffer struct {
	mu    sync.Mutex
	w     io.Writer
	buf   []byte
	timer *time.Timer // armed while lines wait
}

const (
	logFlushEvery = 100 * time.Millisecond
	logBufferSize = 32 << 10
)

func newLogBuffer(w io.Writer) *logBuffer { return &logBuffer{w: w} }

// Write keeps p (one record: slog writes each in one call) for the next
// flush.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) >= logBufferSize {
		return len(p), b.flushLocked()
	}
	if b.timer == nil {
		b.timer = time.AfterFunc(logFlushEvery, func() { b.Flush() })
	}
	return len(p), nil
}

// Flush writes every waiting line.
func (b *logBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked()
}

func (b *logBuffer) flushLocked() error {
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.w.Write(b.buf)
	if cap(b.buf) > 4*logBufferSize {
		b.buf = nil // a burst's buffer is not kept
	} else {
		b.buf = b.buf[:0]
	}
	return err
}

// Close writes what is waiting; later lines are written at once.
func (b *logBuffer) Close() error { return b.Flush() }

// flushOnWarn is a slog handler that flushes its buffer after each record
// at WARN or above, so a warning or an error reaches the log when it
// happens, with every line before it.
type flushOnWarn struct {
	slog.Handler
	buf *logBuffer
}

func (h flushOnWarn) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.buf.Flush()
	}
	return err
}

func (h flushOnWarn) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushOnWarn{h.Handler.WithAttrs(attrs), h.buf}
}

func (h flushOnWarn) WithGroup(name string) slog.Handler {
	return flushOnWarn{h.Handler.WithGroup(name), h.buf}
}

// newBufferedLogger is newLogger over a logBuffer: the server's logger.
// Close the buffer when the server stops.
func newBufferedLogger(w io.Writer, level string) (*slog.Logger, *logBuffer) {
	b := newLogBuffer(w)
	return slog.New(flushOnWarn{newLogger(b, level).Handler(), b}), b
}
