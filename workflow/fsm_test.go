package workflow

import (
	"os"
	"strings"
	"testing"

	"hazardloop/model"
)

// TestReadmeShowsDiagram keeps the README's state diagram the one the code
// renders. If the lifecycle changes, paste the diagram this test prints.
func TestReadmeShowsDiagram(t *testing.T) {
	d, err := Diagram()
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := "```mermaid\n" + d + "```"
	if !strings.Contains(string(readme), want) {
		t.Fatalf("README.md does not show the current lifecycle; put this in it:\n%s", want)
	}
}

// TestSelfLoopsKeepState: looplab/fsm reports a self-transition as
// NoTransitionError; fire treats it as success.
func TestSelfLoopsKeepState(t *testing.T) {
	for _, s := range []string{"listed", "rectifying"} {
		if to, ok := fire(model.State(s), model.EventEscalate); !ok || string(to) != s {
			t.Errorf("escalate from %s: %s, %v", s, to, ok)
		}
	}
	if _, ok := fire(model.StateWrittenOff, model.EventEscalate); ok {
		t.Error("escalate from written_off succeeded")
	}
	if _, ok := fire(model.StateListed, model.Event("no-such-event")); ok {
		t.Error("an unknown event succeeded")
	}
}
