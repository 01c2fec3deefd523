package adapter

import (
	"context"

	"github.com/ninshou/ninshou/internal/awsjson"
	api "github.com/ninshou/ninshou/internal/cognitoapi"
	"github.com/ninshou/ninshou/internal/idp"
)

// User import jobs (CSV).

func (h *handlers) registerImportJobs(m map[string]awsjson.Endpoint) {
	m["GetCSVHeader"] = awsjson.Op(h.getCSVHeader)
	m["CreateUserImportJob"] = awsjson.Op(h.createUserImportJob)
	m["DescribeUserImportJob"] = awsjson.Op(h.describeUserImportJob)
	m["ListUserImportJobs"] = awsjson.Op(h.listUserImportJobs)
	m["StartUserImportJob"] = awsjson.Op(h.startUserImportJob)
	m["StopUserImportJob"] = awsjson.Op(h.stopUserImportJob)
}

func importJobOut(j *idp.ImportJob) *api.UserImportJobType {
	out := &api.UserImportJobType{
		JobName: api.String(j.Name), JobId: api.String(j.ID), UserPoolId: api.String(j.PoolID),
		PreSignedUrl: strPtr(j.PreSignedURL), CreationDate: ts(j.CreatedAt), Status: api.String(j.Status),
		CloudWatchLogsRoleArn: strPtr(j.RoleArn), ImportedUsers: api.Int64(j.Imported),
		SkippedUsers: api.Int64(j.Skipped), FailedUsers: api.Int64(j.Failed),
		CompletionMessage: strPtr(j.CompletionMessage),
	}
	if !j.StartedAt.IsZero() {
		out.StartDate = ts(j.StartedAt)
	}
	if !j.CompletedAt.IsZero() {
		out.CompletionDate = ts(j.CompletedAt)
	}
	return out
}

func (h *handlers) getCSVHeader(ctx context.Context, in *api.GetCSVHeaderRequest) (*api.GetCSVHeaderResponse, error) {
	cols, err := h.svc.GetCSVHeader(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	return &api.GetCSVHeaderResponse{UserPoolId: in.UserPoolId, CSVHeader: cols}, nil
}

func (h *handlers) createUserImportJob(ctx context.Context, in *api.CreateUserImportJobRequest) (*api.CreateUserImportJobResponse, error) {
	j, err := h.svc.CreateUserImportJob(ctx, str(in.UserPoolId), str(in.JobName), str(in.CloudWatchLogsRoleArn))
	if err != nil {
		return nil, err
	}
	return &api.CreateUserImportJobResponse{UserImportJob: importJobOut(j)}, nil
}

func (h *handlers) describeUserImportJob(ctx context.Context, in *api.DescribeUserImportJobRequest) (*api.DescribeUserImportJobResponse, error) {
	j, err := h.svc.DescribeUserImportJob(ctx, str(in.UserPoolId), str(in.JobId))
	if err != nil {
		return nil, err
	}
	return &api.DescribeUserImportJobResponse{UserImportJob: importJobOut(j)}, nil
}

func (h *handlers) listUserImportJobs(ctx context.Context, in *api.ListUserImportJobsRequest) (*api.ListUserImportJobsResponse, error) {
	js, next, err := h.svc.ListUserImportJobs(ctx, str(in.UserPoolId), page(in.MaxResults, in.PaginationToken))
	if err != nil {
		return nil, err
	}
	out := &api.ListUserImportJobsResponse{UserImportJobs: make([]api.UserImportJobType, 0, len(js)), PaginationToken: strPtr(next)}
	for _, j := range js {
		out.UserImportJobs = append(out.UserImportJobs, *importJobOut(j))
	}
	return out, nil
}

func (h *handlers) startUserImportJob(ctx context.Context, in *api.StartUserImportJobRequest) (*api.StartUserImportJobResponse, error) {
	j, err := h.svc.StartUserImportJob(ctx, str(in.UserPoolId), str(in.JobId))
	if err != nil {
		return nil, err
	}
	return &api.StartUserImportJobResponse{UserImportJob: importJobOut(j)}, nil
}

func (h *handlers) stopUserImportJob(ctx context.Context, in *api.StopUserImportJobRequest) (*api.StopUserImportJobResponse, error) {
	j, err := h.svc.StopUserImportJob(ctx, str(in.UserPoolId), str(in.JobId))
	if err != nil {
		return nil, err
	}
	return &api.StopUserImportJobResponse{UserImportJob: importJobOut(j)}, nil
}
