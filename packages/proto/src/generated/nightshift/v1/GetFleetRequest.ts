// Original file: proto/nightshift/v1/jobs.proto


export interface GetFleetRequest {
}

export interface GetFleetRequest__Output {
}
