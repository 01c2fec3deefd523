package adapter

import (
	"context"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
	"github.com/ninshou/ninshou/internal/store"
)

// User pool groups and their members.

func (h *handlers) registerGroups(m map[string]awsjson.Endpoint) {
	m["CreateGroup"] = awsjson.Op(h.createGroup)
	m["GetGroup"] = awsjson.Op(h.getGroup)
	m["UpdateGroup"] = awsjson.Op(h.updateGroup)
	m["DeleteGroup"] = awsjson.Op(h.deleteGroup)
	m["ListGroups"] = awsjson.Op(h.listGroups)
	m["AdminAddUserToGroup"] = awsjson.Op(h.adminAddUserToGroup)
	m["AdminRemoveUserFromGroup"] = awsjson.Op(h.adminRemoveUserFromGroup)
	m["AdminListGroupsForUser"] = awsjson.Op(h.adminListGroupsForUser)
	m["ListUsersInGroup"] = awsjson.Op(h.listUsersInGroup)
}

func groupOut(g *idp.Group) api.GroupType {
	out := api.GroupType{
		GroupName: api.String(g.Name), UserPoolId: api.String(g.PoolID),
		Description: strPtr(g.Description), RoleArn: strPtr(g.RoleArn),
		LastModifiedDate: ts(g.UpdatedAt), CreationDate: ts(g.CreatedAt),
	}
	if g.Precedence != nil {
		out.Precedence = api.Int32(int32(*g.Precedence))
	}
	return out
}

// groupsOut is a list of groups, [] rather than absent when empty.
func groupsOut(gs []*idp.Group) []api.GroupType {
	out := make([]api.GroupType, 0, len(gs))
	for _, g := range gs {
		out = append(out, groupOut(g))
	}
	return out
}

func intPtr(p *int32) *int {
	if p == nil {
		return nil
	}
	v := int(*p)
	return &v
}

func page(limit *int32, token *string) store.Page {
	return store.Page{Limit: int(api.ToInt32(limit)), After: str(token)}
}

func (h *handlers) createGroup(ctx context.Context, in *api.CreateGroupRequest) (*api.CreateGroupResponse, error) {
	g, err := h.svc.CreateGroup(ctx, idp.GroupInput{PoolID: str(in.UserPoolId), Name: str(in.GroupName),
		Description: in.Description, RoleArn: in.RoleArn, Precedence: intPtr(in.Precedence)})
	if err != nil {
		return nil, err
	}
	out := groupOut(g)
	return &api.CreateGroupResponse{Group: &out}, nil
}

func (h *handlers) getGroup(ctx context.Context, in *api.GetGroupRequest) (*api.GetGroupResponse, error) {
	g, err := h.svc.GetGroup(ctx, str(in.UserPoolId), str(in.GroupName))
	if err != nil {
		return nil, err
	}
	out := groupOut(g)
	return &api.GetGroupResponse{Group: &out}, nil
}

func (h *handlers) updateGroup(ctx context.Context, in *api.UpdateGroupRequest) (*api.UpdateGroupResponse, error) {
	g, err := h.svc.UpdateGroup(ctx, idp.GroupInput{PoolID: str(in.UserPoolId), Name: str(in.GroupName),
		Description: in.Description, RoleArn: in.RoleArn, Precedence: intPtr(in.Precedence)})
	if err != nil {
		return nil, err
	}
	out := groupOut(g)
	return &api.UpdateGroupResponse{Group: &out}, nil
}

func (h *handlers) deleteGroup(ctx context.Context, in *api.DeleteGroupRequest) (*noOutput, error) {
	if err := h.svc.DeleteGroup(ctx, str(in.UserPoolId), str(in.GroupName)); err != nil {
		return nil, err
	}
	return &noOutput{}, nil
}

func (h *handlers) listGroups(ctx context.Context, in *api.ListGroupsRequest) (*api.ListGroupsResponse, error) {
	gs, next, err := h.svc.ListGroups(ctx, str(in.UserPoolId), page(in.Limit, in.NextToken))
	if err != nil {
		return nil, err
	}
	return &api.ListGroupsResponse{Groups: groupsOut(gs), NextToken: strPtr(next)}, nil
}

func (h *handlers) adminAddUserToGroup(ctx context.Context, in *api.AdminAddUserToGroupRequest) (*noOutput, error) {
	if err := h.svc.AdminAddUserToGroup(ctx, str(in.UserPoolId), str(in.Username), str(in.GroupName)); err != nil {
		return nil, err
	}
	return &noOutput{}, nil
}

func (h *handlers) adminRemoveUserFromGroup(ctx context.Context, in *api.AdminRemoveUserFromGroupRequest) (*noOutput, error) {
	if err := h.svc.AdminRemoveUserFromGroup(ctx, str(in.UserPoolId), str(in.Username), str(in.GroupName)); err != nil {
		return nil, err
	}
	return &noOutput{}, nil
}

func (h *handlers) adminListGroupsForUser(ctx context.Context, in *api.AdminListGroupsForUserRequest) (*api.AdminListGroupsForUserResponse, error) {
	gs, next, err := h.svc.AdminListGroupsForUser(ctx, str(in.UserPoolId), str(in.Username), page(in.Limit, in.NextToken))
	if err != nil {
		return nil, err
	}
	return &api.AdminListGroupsForUserResponse{Groups: groupsOut(gs), NextToken: strPtr(next)}, nil
}

func (h *handlers) listUsersInGroup(ctx context.Context, in *api.ListUsersInGroupRequest) (*api.ListUsersInGroupResponse, error) {
	us, next, err := h.svc.ListUsersInGroup(ctx, str(in.UserPoolId), str(in.GroupName), page(in.Limit, in.NextToken))
	if err != nil {
		return nil, err
	}
	return &api.ListUsersInGroupResponse{Users: usersOut(us), NextToken: strPtr(next)}, nil
}
