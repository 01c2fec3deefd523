package adapter

import (
	"context"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
	"github.com/ninshou/ninshou/internal/store"
)

// Resource servers and their custom scopes.

func (h *handlers) registerResourceServers(m map[string]awsjson.Endpoint) {
	m["CreateResourceServer"] = awsjson.Op(h.createResourceServer)
	m["DescribeResourceServer"] = awsjson.Op(h.describeResourceServer)
	m["UpdateResourceServer"] = awsjson.Op(h.updateResourceServer)
	m["DeleteResourceServer"] = awsjson.Op(h.deleteResourceServer)
	m["ListResourceServers"] = awsjson.Op(h.listResourceServers)
}

func resourceServerIn(poolID, identifier, name *string, scopes []api.ResourceServerScopeType) idp.ResourceServer {
	rs := idp.ResourceServer{PoolID: str(poolID), Identifier: str(identifier), Name: str(name)}
	for _, sc := range scopes {
		rs.Scopes = append(rs.Scopes, idp.ResourceServerScope{Name: str(sc.ScopeName), Description: str(sc.ScopeDescription)})
	}
	return rs
}

// resourceServerOut always has Scopes, [] when there are none.
func resourceServerOut(rs *idp.ResourceServer) *api.ResourceServerType {
	scopes := make([]api.ResourceServerScopeType, 0, len(rs.Scopes))
	for _, sc := range rs.Scopes {
		scopes = append(scopes, api.ResourceServerScopeType{ScopeName: api.String(sc.Name), ScopeDescription: api.String(sc.Description)})
	}
	return &api.ResourceServerType{UserPoolId: api.String(rs.PoolID), Identifier: api.String(rs.Identifier),
		Name: api.String(rs.Name), Scopes: scopes}
}

func (h *handlers) createResourceServer(ctx context.Context, in *api.CreateResourceServerRequest) (*api.CreateResourceServerResponse, error) {
	rs, err := h.svc.CreateResourceServer(ctx, resourceServerIn(in.UserPoolId, in.Identifier, in.Name, in.Scopes))
	if err != nil {
		return nil, err
	}
	return &api.CreateResourceServerResponse{ResourceServer: resourceServerOut(rs)}, nil
}

func (h *handlers) describeResourceServer(ctx context.Context, in *api.DescribeResourceServerRequest) (*api.DescribeResourceServerResponse, error) {
	rs, err := h.svc.DescribeResourceServer(ctx, str(in.UserPoolId), str(in.Identifier))
	if err != nil {
		return nil, err
	}
	return &api.DescribeResourceServerResponse{ResourceServer: resourceServerOut(rs)}, nil
}

func (h *handlers) updateResourceServer(ctx context.Context, in *api.UpdateResourceServerRequest) (*api.UpdateResourceServerResponse, error) {
	rs, err := h.svc.UpdateResourceServer(ctx, resourceServerIn(in.UserPoolId, in.Identifier, in.Name, in.Scopes))
	if err != nil {
		return nil, err
	}
	return &api.UpdateResourceServerResponse{ResourceServer: resourceServerOut(rs)}, nil
}

func (h *handlers) deleteResourceServer(ctx context.Context, in *api.DeleteResourceServerRequest) (*noOutput, error) {
	if err := h.svc.DeleteResourceServer(ctx, str(in.UserPoolId), str(in.Identifier)); err != nil {
		return nil, err
	}
	return &noOutput{}, nil
}

func (h *handlers) listResourceServers(ctx context.Context, in *api.ListResourceServersRequest) (*api.ListResourceServersResponse, error) {
	rss, next, err := h.svc.ListResourceServers(ctx, str(in.UserPoolId),
		store.Page{Limit: int(api.ToInt32(in.MaxResults)), After: str(in.NextToken)})
	if err != nil {
		return nil, err
	}
	out := make([]api.ResourceServerType, 0, len(rss))
	for _, rs := range rss {
		out = append(out, *resourceServerOut(rs))
	}
	return &api.ListResourceServersResponse{ResourceServers: out, NextToken: strPtr(next)}, nil
}
