package adapter

import (
	"context"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
)

// Threat protection's risk configuration.

func (h *handlers) registerRiskConfiguration(m map[string]awsjson.Endpoint) {
	m["SetRiskConfiguration"] = awsjson.Op(h.setRiskConfiguration)
	m["DescribeRiskConfiguration"] = awsjson.Op(h.describeRiskConfiguration)
}

func notifyEmailIn(e *api.NotifyEmailType) *idp.NotifyEmail {
	if e == nil {
		return nil
	}
	return &idp.NotifyEmail{Subject: str(e.Subject), HTMLBody: str(e.HtmlBody), TextBody: str(e.TextBody)}
}

func notifyEmailOut(e *idp.NotifyEmail) *api.NotifyEmailType {
	if e == nil {
		return nil
	}
	return &api.NotifyEmailType{Subject: api.String(e.Subject), HtmlBody: strPtr(e.HTMLBody), TextBody: strPtr(e.TextBody)}
}

func takeoverActionIn(a *api.AccountTakeoverActionType) *idp.TakeoverAction {
	if a == nil {
		return nil
	}
	return &idp.TakeoverAction{Notify: api.ToBool(a.Notify), EventAction: str(a.EventAction)}
}

func takeoverActionOut(a *idp.TakeoverAction) *api.AccountTakeoverActionType {
	if a == nil {
		return nil
	}
	return &api.AccountTakeoverActionType{Notify: api.Bool(a.Notify), EventAction: api.String(a.EventAction)}
}

func riskIn(in *api.SetRiskConfigurationRequest) idp.RiskConfiguration {
	rc := idp.RiskConfiguration{PoolID: str(in.UserPoolId), ClientID: str(in.ClientId)}
	if cc := in.CompromisedCredentialsRiskConfiguration; cc != nil {
		rc.CompromisedCredentials = &idp.CompromisedCredentialsRisk{EventFilter: cc.EventFilter}
		if cc.Actions != nil {
			rc.CompromisedCredentials.EventAction = str(cc.Actions.EventAction)
		}
	}
	if at := in.AccountTakeoverRiskConfiguration; at != nil {
		rc.AccountTakeover = &idp.AccountTakeoverRisk{}
		if a := at.Actions; a != nil {
			rc.AccountTakeover.Low = takeoverActionIn(a.LowAction)
			rc.AccountTakeover.Medium = takeoverActionIn(a.MediumAction)
			rc.AccountTakeover.High = takeoverActionIn(a.HighAction)
		}
		if n := at.NotifyConfiguration; n != nil {
			rc.AccountTakeover.Notify = &idp.RiskNotify{From: str(n.From), ReplyTo: str(n.ReplyTo), SourceArn: str(n.SourceArn),
				Block: notifyEmailIn(n.BlockEmail), NoAction: notifyEmailIn(n.NoActionEmail), MFA: notifyEmailIn(n.MfaEmail)}
		}
	}
	if ex := in.RiskExceptionConfiguration; ex != nil {
		rc.Exceptions = &idp.RiskExceptions{Blocked: ex.BlockedIPRangeList, Skipped: ex.SkippedIPRangeList}
	}
	return rc
}

func riskOut(rc *idp.RiskConfiguration) *api.RiskConfigurationType {
	out := &api.RiskConfigurationType{UserPoolId: api.String(rc.PoolID), ClientId: strPtr(rc.ClientID)}
	if !rc.UpdatedAt.IsZero() {
		out.LastModifiedDate = api.Time(rc.UpdatedAt)
	}
	if cc := rc.CompromisedCredentials; cc != nil {
		out.CompromisedCredentialsRiskConfiguration = &api.CompromisedCredentialsRiskConfigurationType{
			EventFilter: cc.EventFilter, Actions: &api.CompromisedCredentialsActionsType{EventAction: api.String(cc.EventAction)}}
	}
	if at := rc.AccountTakeover; at != nil {
		t := &api.AccountTakeoverRiskConfigurationType{Actions: &api.AccountTakeoverActionsType{
			LowAction: takeoverActionOut(at.Low), MediumAction: takeoverActionOut(at.Medium), HighAction: takeoverActionOut(at.High)}}
		if n := at.Notify; n != nil {
			t.NotifyConfiguration = &api.NotifyConfigurationType{From: strPtr(n.From), ReplyTo: strPtr(n.ReplyTo),
				SourceArn: api.String(n.SourceArn), BlockEmail: notifyEmailOut(n.Block), NoActionEmail: notifyEmailOut(n.NoAction),
				MfaEmail: notifyEmailOut(n.MFA)}
		}
		out.AccountTakeoverRiskConfiguration = t
	}
	if ex := rc.Exceptions; ex != nil {
		out.RiskExceptionConfiguration = &api.RiskExceptionConfigurationType{BlockedIPRangeList: ex.Blocked, SkippedIPRangeList: ex.Skipped}
	}
	return out
}

func (h *handlers) setRiskConfiguration(ctx context.Context, in *api.SetRiskConfigurationRequest) (*api.SetRiskConfigurationResponse, error) {
	rc, err := h.svc.SetRiskConfiguration(ctx, riskIn(in))
	if err != nil {
		return nil, err
	}
	return &api.SetRiskConfigurationResponse{RiskConfiguration: riskOut(rc)}, nil
}

func (h *handlers) describeRiskConfiguration(ctx context.Context, in *api.DescribeRiskConfigurationRequest) (*api.DescribeRiskConfigurationResponse, error) {
	rc, err := h.svc.DescribeRiskConfiguration(ctx, str(in.UserPoolId), str(in.ClientId))
	if err != nil {
		return nil, err
	}
	return &api.DescribeRiskConfigurationResponse{RiskConfiguration: riskOut(rc)}, nil
}
