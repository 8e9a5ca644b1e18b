// Package clicks holds the topics and events of the click-tracking
// pipeline.
package clicks

// Topics.
const (
	TopicPageViews = "clicks.page-views"
	TopicSignups   = "clicks.signups"
	TopicSearches  = "clicks.searches"
	TopicExports   = "clicks.exports"
)

// Broker is the development cluster.
const Broker = "localhost:9092"

// PageView is one page shown to one visitor.
type PageView struct {
	Visitor string `json:"visitor"`
	Path    string `json:"path"`
}

// Signup is a visitor who became a customer.
type Signup struct {
	Visitor string `json:"visitor"`
	Email   string `json:"email"`
}

// Search is a query typed by a visitor. ReplyTopic is where the visitor's
// session wants suggestions: request data.
type Search struct {
	Visitor    string `json:"visitor"`
	Query      string `json:"query"`
	ReplyTopic string `json:"reply_topic"`
}

// Suggestions answer a Search.
type Suggestions struct {
	Items []string `json:"items"`
}

// Export is a day of clicks written out for the warehouse.
type Export struct {
	Day string `json:"day"`
}
