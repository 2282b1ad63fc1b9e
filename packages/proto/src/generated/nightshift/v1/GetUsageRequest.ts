// Original file: proto/nightshift/v1/jobs.proto


export interface GetUsageRequest {
}

export interface GetUsageRequest__Output {
}
