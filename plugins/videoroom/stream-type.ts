/** The kind of one m-line, in VideoRoom's words (`type` in `streams`). */
export type StreamType = 'audio' | 'video' | 'data';
