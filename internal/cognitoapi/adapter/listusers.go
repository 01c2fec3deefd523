package adapter

import (
	"context"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
)

// Listing users and a user's authentication history.

func (h *handlers) registerListUsers(m map[string]awsjson.Endpoint) {
	m["ListUsers"] = awsjson.Op(h.listUsers)
	m["AdminListUserAuthEvents"] = awsjson.Op(h.adminListUserAuthEvents)
	m["AdminUpdateAuthEventFeedback"] = awsjson.Op(h.adminUpdateAuthEventFeedback)
	m["UpdateAuthEventFeedback"] = awsjson.Op(h.updateAuthEventFeedback)
}

// usersOut is a list of users, [] rather than absent when empty.
func usersOut(us []*idp.User) []api.UserType {
	out := make([]api.UserType, 0, len(us))
	for _, u := range us {
		out = append(out, *userOut(u))
	}
	return out
}

func (h *handlers) listUsers(ctx context.Context, in *api.ListUsersRequest) (*api.ListUsersResponse, error) {
	us, next, err := h.svc.ListUsers(ctx, idp.ListUsersInput{
		PoolID: str(in.UserPoolId), Filter: str(in.Filter), Page: page(in.Limit, in.PaginationToken),
		AttributesToGet: in.AttributesToGet,
	})
	if err != nil {
		return nil, err
	}
	return &api.ListUsersResponse{Users: usersOut(us), PaginationToken: strPtr(next)}, nil
}

func (h *handlers) adminListUserAuthEvents(ctx context.Context, in *api.AdminListUserAuthEventsRequest) (*api.AdminListUserAuthEventsResponse, error) {
	evs, next, err := h.svc.AdminListUserAuthEvents(ctx, str(in.UserPoolId), str(in.Username), page(in.MaxResults, in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &api.AdminListUserAuthEventsResponse{AuthEvents: make([]api.AuthEventType, 0, len(evs)), NextToken: strPtr(next)}
	for _, e := range evs {
		ev := api.AuthEventType{
			EventId: api.String(e.ID), EventType: api.String(e.Type), CreationDate: ts(e.CreatedAt),
			EventResponse: api.String(e.Response),
			// Ninshou assesses no risk.
			EventRisk:          &api.EventRiskType{RiskDecision: api.String("NoRisk"), CompromisedCredentialsDetected: api.Bool(false)},
			ChallengeResponses: make([]api.ChallengeResponseType, 0, len(e.Challenges)),
		}
		if f := e.Feedback; f != nil {
			ev.EventFeedback = &api.EventFeedbackType{FeedbackValue: api.String(f.Value),
				Provider: api.String(f.Provider), FeedbackDate: ts(f.At)}
		}
		for _, c := range e.Challenges {
			ev.ChallengeResponses = append(ev.ChallengeResponses, api.ChallengeResponseType{
				ChallengeName: api.String(c.Name), ChallengeResponse: api.String(c.Result)})
		}
		out.AuthEvents = append(out.AuthEvents, ev)
	}
	return out, nil
}

func (h *handlers) adminUpdateAuthEventFeedback(ctx context.Context, in *api.AdminUpdateAuthEventFeedbackRequest) (*api.AdminUpdateAuthEventFeedbackResponse, error) {
	err := h.svc.AdminUpdateAuthEventFeedback(ctx, str(in.UserPoolId), str(in.Username), str(in.EventId), str(in.FeedbackValue))
	if err != nil {
		return nil, err
	}
	return &api.AdminUpdateAuthEventFeedbackResponse{}, nil
}

func (h *handlers) updateAuthEventFeedback(ctx context.Context, in *api.UpdateAuthEventFeedbackRequest) (*api.UpdateAuthEventFeedbackResponse, error) {
	err := h.svc.UpdateAuthEventFeedback(ctx, str(in.UserPoolId), str(in.Username), str(in.EventId),
		str(in.FeedbackToken), str(in.FeedbackValue))
	if err != nil {
		return nil, err
	}
	return &api.UpdateAuthEventFeedbackResponse{}, nil
}
