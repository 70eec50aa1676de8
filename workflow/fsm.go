// Package workflow is the domain of hazardloop: the lifecycle (a looplab/fsm state
// machine), the rules of who may do what, the regulatory gates, and the engine that
// applies an event to a hazard in one transaction. It knows nothing of HTTP.
package workflow

import (
	"context"
	"errors"
	"slices"

	"github.com/looplab/fsm"

	"hazardloop/model"
)

// lifecycle is the lifecycle of docs/design.md. Self-loops (extend, escalate, remind)
// keep the state and move a flag or a date.
var lifecycle = fsm.Events{
	{Name: string(model.EventConfirm), Src: []string{string(model.StateDiscovered)}, Dst: string(model.StateListed)},
	{Name: string(model.EventDismiss), Src: []string{string(model.StateDiscovered)}, Dst: string(model.StateDismissed)},
	{Name: string(model.EventPlan), Src: []string{string(model.StateListed)}, Dst: string(model.StateRectifying)},
	{Name: string(model.EventSubmit), Src: []string{string(model.StateRectifying)}, Dst: string(model.StateVerifying)},
	{Name: string(model.EventApprove), Src: []string{string(model.StateVerifying)}, Dst: string(model.StateWrittenOff)},
	{Name: string(model.EventReject), Src: []string{string(model.StateVerifying)}, Dst: string(model.StateRectifying)},
	{Name: string(model.EventExtend), Src: []string{string(model.StateRectifying)}, Dst: string(model.StateRectifying)},
	{Name: string(model.EventEscalate), Src: []string{string(model.StateListed)}, Dst: string(model.StateListed)},
	{Name: string(model.EventEscalate), Src: []string{string(model.StateRectifying)}, Dst: string(model.StateRectifying)},
	{Name: string(model.EventReopen), Src: []string{string(model.StateWrittenOff)}, Dst: string(model.StateRectifying)},
	{Name: string(model.EventRemind), Src: []string{string(model.StateListed)}, Dst: string(model.StateListed)},
	{Name: string(model.EventRemind), Src: []string{string(model.StateRectifying)}, Dst: string(model.StateRectifying)},
}

// transitions are the lifecycle and the transfers' self-loops.
var transitions = append(slices.Clone(lifecycle), transferLoops...)

// transferLoops: transfers are self-loops too (and so is raising a listed
// supervision, list_supervision, on listed, rectifying and verifying hazards). A hazard is handed over while it
// is being checked, listed or rectified, and the answer may come in any state
// before the end (the end itself forgets an unanswered transfer).
var transferLoops = func() fsm.Events {
	var out fsm.Events
	loop := func(ev model.Event, states ...model.State) {
		for _, s := range states {
			out = append(out, fsm.EventDesc{Name: string(ev), Src: []string{string(s)}, Dst: string(s)})
		}
	}
	loop(model.EventTransfer, model.StateDiscovered, model.StateListed, model.StateRectifying)
	for _, ev := range []model.Event{model.EventAcceptTransfer, model.EventDeclineTransfer, model.EventTransferOverdue} {
		loop(ev, model.StateDiscovered, model.StateListed, model.StateRectifying, model.StateVerifying)
	}
	loop(model.EventListSupervision, model.StateListed, model.StateRectifying, model.StateVerifying)
	loop(model.EventVerifyOverdue, model.StateVerifying)
	// Patrols and danger signs of disaster hazards, in every open state.
	for _, ev := range []model.Event{model.EventPatrol, model.EventPatrolDue, model.EventRespond} {
		loop(ev, model.StateDiscovered, model.StateListed, model.StateRectifying, model.StateVerifying)
	}
	for _, ev := range []model.Event{model.EventSuspend, model.EventResumeRequest, model.EventResumeReview, model.EventResumeReviewDue} {
		loop(ev, model.StateListed, model.StateRectifying, model.StateVerifying)
	}
	// A successful avoidance is recorded whenever the danger comes, before
	// or after the hazard is written off; a dismissed hazard has none.
	loop(model.EventAvoidance, model.StateDiscovered, model.StateListed, model.StateRectifying, model.StateVerifying, model.StateWrittenOff)
	return out
}()

// Events lists the events a caller can fire, in lifecycle order.
var Events = []model.Event{
	model.EventConfirm, model.EventDismiss, model.EventPlan, model.EventSubmit, model.EventApprove,
	model.EventReject, model.EventExtend, model.EventEscalate, model.EventReopen, model.EventRemind,
	model.EventTransfer, model.EventAcceptTransfer, model.EventDeclineTransfer, model.EventTransferOverdue,
	model.EventListSupervision, model.EventVerifyOverdue,
	model.EventSuspend, model.EventResumeRequest, model.EventResumeReview, model.EventResumeReviewDue,
	model.EventAvoidance, model.EventPatrol, model.EventPatrolDue, model.EventRespond,
}

// disasterEvents are the events of disaster hazards only: on an accident
// hazard they are refused as not applicable (KindNotAllowed) and never offered.
var disasterEvents = map[model.Event]bool{model.EventAvoidance: true}

// fitsCategory reports whether ev applies to h's category.
func fitsCategory(h *model.Hazard, ev model.Event) bool {
	return !disasterEvents[ev] || h.Category == model.CategoryDisaster
}

// newFSM builds a machine at the stored state. A fresh machine per operation: the
// row is the truth, and a machine never outlives a cancelled context.
func newFSM(s model.State) *fsm.FSM {
	return fsm.NewFSM(string(s), transitions, nil)
}

// fire returns the state that ev leads to from s, or ok=false if ev cannot happen
// in s. A self-loop, which looplab/fsm reports as NoTransitionError, is a success.
func fire(s model.State, ev model.Event) (model.State, bool) {
	f := newFSM(s)
	err := f.Event(context.Background(), string(ev))
	var none fsm.NoTransitionError
	if err != nil && !errors.As(err, &none) {
		return s, false
	}
	return model.State(f.Current()), true
}

// eventsFrom lists the events possible in s, ordered as Events. The lifecycle is
// fixed, so the answer per state is worked out once from the FSM.
func eventsFrom(s model.State) []model.Event { return fromState[s] }

var fromState = func() map[model.State][]model.Event {
	out := map[model.State][]model.Event{}
	for _, s := range model.States {
		f := newFSM(s)
		for _, ev := range Events {
			if f.Can(string(ev)) {
				out[s] = append(out[s], ev)
			}
		}
	}
	return out
}()

// Diagram renders the lifecycle as a mermaid state diagram (for the README),
// without the transfers' self-loops on every open state, which the README
// names beside it.
func Diagram() (string, error) {
	f := fsm.NewFSM(string(model.StateDiscovered), lifecycle, nil)
	return fsm.VisualizeWithType(f, fsm.MermaidStateDiagram)
}
