/** Which message an extension block belongs to: several extensions have a different body per message. */
export type ExtensionWhere =
  | 'client_hello'
  | 'server_hello'
  | 'hello_retry_request'
  | 'encrypted_extensions'
  | 'certificate'
  | 'certificate_request'
  | 'new_session_ticket';
