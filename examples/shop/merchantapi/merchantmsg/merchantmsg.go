package merchantmsg

// ContactChannel is served by merchant-api.
const ContactChannel = "merchants.contact"

// GetContact asks how to reach a merchant.
type GetContact struct {
	MerchantID string `json:"merchant_id"`
}

// Contact answers GetContact.
type Contact struct {
	MerchantID string `json:"merchant_id"`
	Name       string `json:"name"`
	Email      string `json:"email"`
}
