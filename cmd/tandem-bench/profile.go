package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
)

// profiles are the optional profiles of a run, for finding out why a
// target is missed.
type profiles struct {
	cpu, trace, block, mutex, allocs string
}

func (p *profiles) flags(fs *flag.FlagSet) {
	fs.StringVar(&p.cpu, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.StringVar(&p.trace, "trace", "", "write an execution trace of the whole run to this file (large)")
	fs.StringVar(&p.block, "blockprofile", "", "write a blocking profile (every blocking event) to this file")
	fs.StringVar(&p.mutex, "mutexprofile", "", "write a mutex contention profile (every event) to this file")
	fs.StringVar(&p.allocs, "allocprofile", "", "write a profile of the run's allocations (sampled as usual) to this file")
}

// start starts the profiles asked for; stop writes them, reporting on
// stderr a profile it could not write.
func (p *profiles) start(stderr io.Writer) (stop func(), err error) {
	var stops []func() error
	stopAll := func() error {
		var errs []error
		for i := len(stops) - 1; i >= 0; i-- {
			errs = append(errs, stops[i]())
		}
		return errors.Join(errs...)
	}
	create := func(path string) (*os.File, error) {
		f, err := os.Create(path)
		if err != nil {
			_ = stopAll()
			return nil, fmt.Errorf("profile: %w", err)
		}
		return f, nil
	}
	if p.cpu != "" {
		f, err := create(p.cpu)
		if err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			_ = stopAll()
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
		stops = append(stops, func() error { pprof.StopCPUProfile(); return f.Close() })
	}
	if p.trace != "" {
		f, err := create(p.trace)
		if err != nil {
			return nil, err
		}
		if err := trace.Start(f); err != nil {
			f.Close()
			_ = stopAll()
			return nil, fmt.Errorf("trace: %w", err)
		}
		stops = append(stops, func() error { trace.Stop(); return f.Close() })
	}
	for _, prof := range []struct {
		path, name string
		on, off    func()
	}{
		{p.block, "block", func() { runtime.SetBlockProfileRate(1) }, func() { runtime.SetBlockProfileRate(0) }},
		{p.mutex, "mutex", func() { runtime.SetMutexProfileFraction(1) }, func() { runtime.SetMutexProfileFraction(0) }},
		{p.allocs, "allocs", func() {}, func() {}},
	} {
		if prof.path == "" {
			continue
		}
		f, err := create(prof.path)
		if err != nil {
			return nil, err
		}
		prof.on()
		stops = append(stops, func() error {
			err := pprof.Lookup(prof.name).WriteTo(f, 0)
			prof.off()
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			return err
		})
	}
	return func() {
		if err := stopAll(); err != nil {
			fmt.Fprintln(stderr, "tandem-bench:", err)
		}
	}, nil
}
