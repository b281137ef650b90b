package hub

import (
	"fmt"
	"sync"
	"testing"
)

func TestRegistry(t *testing.T) {
	var reg Registry
	if reg.Get("a") != nil || reg.Len() != 0 {
		t.Fatal("zero Registry is not empty")
	}
	a, created := reg.GetOrCreate("a", Options{ReaderQueue: 7})
	if !created || a == nil || a.opts.ReaderQueue != 7 {
		t.Fatalf("GetOrCreate of a new id = %v, %v", a, created)
	}
	again, created := reg.GetOrCreate("a", Options{})
	if created || again != a {
		t.Errorf("GetOrCreate of an existing id made a new hub")
	}
	if reg.Get("a") != a {
		t.Errorf("Get returned another hub")
	}
	b, _ := reg.GetOrCreate("b", Options{})
	if b == a || reg.Len() != 2 {
		t.Errorf("ids share a hub, or Len = %d", reg.Len())
	}
	if got := reg.Remove("a"); got != a {
		t.Errorf("Remove returned %v, want the hub", got)
	}
	if reg.Get("a") != nil || reg.Remove("a") != nil || reg.Len() != 1 {
		t.Errorf("hub still registered after Remove")
	}
}

func TestRegistryConcurrent(t *testing.T) {
	var reg Registry
	const goroutines, ids = 8, 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := map[string]*Hub{}
	for range goroutines {
		wg.Go(func() {
			for i := range ids {
				id := fmt.Sprint(i)
				h, isNew := reg.GetOrCreate(id, Options{})
				if isNew {
					mu.Lock()
					if created[id] != nil {
						t.Errorf("hub %s created twice", id)
					}
					created[id] = h
					mu.Unlock()
				}
				if got := reg.Get(id); got != nil && got != h {
					t.Errorf("Get(%s) differs from GetOrCreate", id)
				}
			}
		})
	}
	wg.Wait()
	if len(created) != ids || reg.Len() != ids {
		t.Errorf("created %d hubs, registry holds %d; want %d", len(created), reg.Len(), ids)
	}
	for id, h := range created {
		if reg.Get(id) != h {
			t.Errorf("hub %s was replaced", id)
		}
	}
}
