// Loaded by path (DataConverter.failureConverterPath) because it is bundled into the workflow
// sandbox as well as used by clients and workers: keep it free of I/O and other imports.
// Failure messages and stack traces can quote a phone number (a provider's "invalid number
// +91..."); encodeCommonAttributes moves them into a payload, which the codec then encrypts.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
