// Package catalogmsg is the catalog's public contract: the messages it
// serves and publishes and the channels they travel on.
package catalogmsg
