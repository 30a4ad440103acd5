CREATE TABLE "personnel_requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"applicant_id" uuid NOT NULL,
	"target_staff_id" uuid,
	"unit_id" uuid NOT NULL,
	"payload" text NOT NULL,
	"photo_key" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"reviewer_id" uuid,
	"comment" text,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "personnel_requests_kind" CHECK ("personnel_requests"."kind" in ('info_change', 'proxy_registration')),
	CONSTRAINT "personnel_requests_status" CHECK ("personnel_requests"."status" in ('pending', 'approved', 'rejected', 'withdrawn'))
);
--> statement-breakpoint
ALTER TABLE "personnel_requests" ADD CONSTRAINT "personnel_requests_applicant_id_staff_id_fk" FOREIGN KEY ("applicant_id") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "personnel_requests" ADD CONSTRAINT "personnel_requests_target_staff_id_staff_id_fk" FOREIGN KEY ("target_staff_id") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "personnel_requests" ADD CONSTRAINT "personnel_requests_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "personnel_requests" ADD CONSTRAINT "personnel_requests_reviewer_id_staff_id_fk" FOREIGN KEY ("reviewer_id") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "personnel_requests_applicant" ON "personnel_requests" USING btree ("applicant_id","created_at");--> statement-breakpoint
CREATE INDEX "personnel_requests_unit_status" ON "personnel_requests" USING btree ("unit_id","status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "personnel_requests_one_pending_change" ON "personnel_requests" USING btree ("applicant_id") WHERE "personnel_requests"."kind" = 'info_change' and "personnel_requests"."status" = 'pending';